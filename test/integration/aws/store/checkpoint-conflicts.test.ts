import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../../../src/aws/store/checkpoint-store';
import { LockStore } from '../../../../src/aws/store/lock-store';
import { startLocalTable, type LocalTable } from './local-table';

describe('concurrent checkpoint writers on real DynamoDB Local', () => {
  let table: LocalTable;
  beforeAll(async () => {
    table = await startLocalTable();
  });
  afterAll(async () => table?.stop());

  it('30 tasks writing at once, all checking the same lock item, all succeed', async () => {
    const locks = new LockStore(table);
    const checkpoints = new CheckpointStore(table);
    const { fence } = await locks.acquire({ cluster: 'c', updateId: 'u', owner: 'o', leaseSeconds: 60 });
    const guard = { cluster: 'c', owner: 'o', fence };
    await Promise.all(Array.from({ length: 30 }, (_, i) => checkpoints.begin({ updateId: 'u', phase: 'service', target: `s${i}`, step: 'service' }, guard)));
    await Promise.all(Array.from({ length: 30 }, (_, i) => checkpoints.succeed({ updateId: 'u', phase: 'service', target: `s${i}`, step: 'service' }, guard)));
    expect((await checkpoints.query('u')).filter((c) => c.status === 'SUCCEEDED')).toHaveLength(30);
  });
});

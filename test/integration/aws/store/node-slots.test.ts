import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSlots } from '../../../../src/aws/store/node-slots';
import { startLocalTable, type LocalTable } from './local-table';

describe('node mutex and outage slots on real DynamoDB Local', () => {
  let table: LocalTable;
  let slots: NodeSlots;

  beforeAll(async () => {
    table = await startLocalTable();
    slots = new NodeSlots(table);
  });
  afterAll(async () => table?.stop());

  it('20 concurrent claims on nodes hosting search (budget 2): exactly 2 are granted', async () => {
    const granted = await Promise.all(
      Array.from({ length: 20 }, (_, i) => slots.tryClaim({ cluster: 'c', updateId: 'u', node: `n${i}`, holder: `wave#${i}`, services: [{ name: 'search', budget: 2 }] })),
    );
    expect(granted.filter(Boolean)).toHaveLength(2);
    const item = await table.documents.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'SLOTS#u#search', sk: 'SLOTS' } }));
    expect((item.Item!.holders as Set<string>).size).toBe(2);
  });

  it('a node is worked on by one holder at a time; releasing frees the node and the slot', async () => {
    const claim = { cluster: 'm', updateId: 'u2', node: 'n1', holder: 'wave#1', services: [{ name: 'tql', budget: 1 }] };
    expect(await slots.tryClaim(claim)).toBe(true);
    expect(await slots.tryClaim(claim)).toBe(true); // the same holder again (a rerun)
    expect(await slots.tryClaim({ ...claim, holder: 'service#tql' })).toBe(false);
    expect(await slots.tryClaim({ ...claim, node: 'n2', holder: 'service#tql' })).toBe(false); // tql's only slot is taken by n1
    await slots.release(claim);
    expect(await slots.tryClaim({ ...claim, node: 'n2', holder: 'service#tql' })).toBe(true);
    await slots.release(claim); // idempotent
  });

  it('an expired claim (a crashed holder) can be reclaimed', async () => {
    const claim = { cluster: 'x', updateId: 'u3', node: 'n1', holder: 'wave#1', services: [], ttlSeconds: 1 };
    expect(await slots.tryClaim(claim, Date.now() - 10_000)).toBe(true);
    expect(await slots.tryClaim({ ...claim, holder: 'wave#2' })).toBe(true);
  });
});

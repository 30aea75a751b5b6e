import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockStore } from '../../../../src/aws/store/lock-store';
import { PlanMismatchError, PlanStore } from '../../../../src/aws/store/plan-store';
import { UnknownUpdateError, UpdateConflictError, UpdateStore } from '../../../../src/aws/store/update-store';
import { generateInventory } from '../../../../src/core/inventory/generate-inventory';
import { toManifest } from '../../../../src/core/manifest/parse-manifest';
import { planUpdate } from '../../../../src/core/plan/plan-update';
import { startLocalTable, type LocalTable } from './local-table';

const manifest = toManifest({
  release: '2.0.0', previous: '1.0.0', cluster: 'prod', policy: { maxInFlight: '10%' },
  services: Array.from({ length: 40 }, (_, i) => ({ name: `svc-${i}`, minHealthy: 1, dependsOn: i > 0 ? [`svc-${i - 1}`] : [] })),
});

describe('update records and plans on real DynamoDB Local', () => {
  let table: LocalTable;
  let updates: UpdateStore;
  let plans: PlanStore;

  beforeAll(async () => {
    table = await startLocalTable();
    updates = new UpdateStore(table);
    plans = new PlanStore(table);
  });
  afterAll(async () => table?.stop());

  it('creates an update once: the same manifest again is idempotent, a different one is refused', async () => {
    const created = await updates.create({ updateId: 'u1', manifest, manifestHash: 'h1', skipChecks: ['disk-space'] });
    expect(created).toMatchObject({ status: 'PENDING', cluster: 'prod', release: '2.0.0', skipChecks: ['disk-space'], stopRequested: false });
    expect((await updates.create({ updateId: 'u1', manifest, manifestHash: 'h1', skipChecks: [] })).manifest).toEqual(manifest);
    await expect(updates.create({ updateId: 'u1', manifest, manifestHash: 'h2', skipChecks: [] })).rejects.toBeInstanceOf(UpdateConflictError);
  });

  it('tracks status, stop requests and ownership, and lists a cluster\'s updates newest first', async () => {
    await updates.setStatus('u1', 'RUNNING', 'canary');
    await updates.requestStop('u1');
    const { fence } = await new LockStore(table).acquire({ cluster: 'prod', updateId: 'u1', owner: 'arn:exec:u1', leaseSeconds: 60 });
    await updates.recordHandOver('u1', { cluster: 'prod', owner: 'arn:exec:u1', fence }, { node: 'node-1', agentRelease: '2.0.0', documentVersion: '1' });
    expect(await updates.require('u1')).toMatchObject({ status: 'RUNNING', phase: 'rollout', stopRequested: true, owner: { node: 'node-1', fence: fence + 1, documentVersion: '1' } });
    await new Promise((r) => setTimeout(r, 5));
    await updates.create({ updateId: 'u2', manifest, manifestHash: 'h1', skipChecks: [] });
    expect((await updates.listByCluster('prod')).map((u) => u.updateId)).toEqual(['u2', 'u1']);
    await expect(updates.require('nope')).rejects.toBeInstanceOf(UnknownUpdateError);
    await expect(updates.setStatus('nope', 'FAILED', 'x')).rejects.toBeInstanceOf(UnknownUpdateError);
  });

  it('persists a 100,000-node plan once; the same plan again is a no-op, another is a mismatch', async () => {
    const plan = planUpdate(manifest, generateInventory(manifest, 100_000));
    await plans.save('big', plan);
    const loaded = await plans.load('big');
    expect(loaded?.planHash).toBe(plan.planHash);
    expect(loaded?.waves.flat()).toHaveLength(99_999);
    await plans.save('big', plan);
    const other = planUpdate(manifest, generateInventory(manifest, 10));
    await expect(plans.save('big', other)).rejects.toBeInstanceOf(PlanMismatchError);
    expect(await plans.load('never')).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OwnerExecution } from '../../../../src/aws/executions/execution-reader';
import { CheckpointStore } from '../../../../src/aws/store/checkpoint-store';
import { LockStore } from '../../../../src/aws/store/lock-store';
import { FencedOutError, FenceRejectedError, LockHeldError, OwnerStillRunningError } from '../../../../src/aws/store/store-errors';
import { UpdateChangedError, UpdateStore } from '../../../../src/aws/store/update-store';
import { toManifest } from '../../../../src/core/manifest/parse-manifest';
import { startLocalTable, type LocalTable } from './local-table';

/**
 * The lock's rules in time, on real DynamoDB Local. The executions the lock
 * asks about are given as a table of statuses here (the workflow tests ask
 * the local Step Functions endpoint with the real SFN client).
 */
describe('lease, park and runs of an execution', () => {
  let table: LocalTable;
  const statuses = new Map<string, OwnerExecution>();
  let locks: LockStore;

  beforeAll(async () => {
    table = await startLocalTable();
    locks = new LockStore({ ...table, executions: async (arn) => statuses.get(arn) });
  });
  afterAll(async () => table?.stop());

  it('parking advances the fence and renew never unparks', async () => {
    const grant = await locks.acquire({ cluster: 'p', updateId: 'u', owner: 'arn:exec:u', leaseSeconds: 60 });
    const parked = await locks.park({ cluster: 'p', owner: 'arn:exec:u', fence: grant.fence });
    expect(parked).toBe(grant.fence + 1);
    await expect(locks.renew({ cluster: 'p', owner: 'arn:exec:u', fence: grant.fence, leaseSeconds: 60 })).rejects.toBeInstanceOf(LockHeldError);
    await expect(locks.renew({ cluster: 'p', owner: 'arn:exec:u', fence: parked, leaseSeconds: 60 })).rejects.toBeInstanceOf(LockHeldError);
    expect(await locks.get('p')).toMatchObject({ state: 'PARKED', fence: parked });
  });

  it('an expired lease is taken over only when its owner execution is not RUNNING', async () => {
    const now = Date.now();
    statuses.set('arn:exec:slow', { status: 'RUNNING', startDate: new Date(now - 60_000) });
    await locks.acquire({ cluster: 'x', updateId: 'slow', owner: 'arn:exec:slow', leaseSeconds: 1, now: now - 10_000 });
    const refused = await locks.acquire({ cluster: 'x', updateId: 'b', owner: 'arn:exec:b', leaseSeconds: 60, now }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockHeldError);
    expect((refused as Error).message).toContain(`lock held by update slow (execution RUNNING since ${new Date(now - 60_000).toISOString()}`);
    await expect(locks.assertAvailable({ cluster: 'x', updateId: 'b', now })).rejects.toBeInstanceOf(LockHeldError);
    await expect(locks.forceUnlock('x')).rejects.toBeInstanceOf(OwnerStillRunningError);
    statuses.set('arn:exec:slow', { status: 'ABORTED' });
    expect((await locks.acquire({ cluster: 'x', updateId: 'b', owner: 'arn:exec:b', leaseSeconds: 60, now })).tookOverFrom?.updateId).toBe('slow');
  });

  it('a redrive (newer run) re-acquires its parked lock; the stopped run is fenced out, a lagging task of the new run adopts the fence', async () => {
    const grant = await locks.acquire({ cluster: 'r', updateId: 'u', owner: 'arn:exec:r', leaseSeconds: 60 });
    expect((await locks.enter({ cluster: 'r', owner: 'arn:exec:r', fence: grant.fence, generation: 0, leaseSeconds: 60 })).fence).toBe(grant.fence);
    const parked = await locks.park({ cluster: 'r', owner: 'arn:exec:r', fence: grant.fence }); // stop --now
    // The stopped run's invocation still in flight, or starting late: nothing.
    await expect(locks.enter({ cluster: 'r', owner: 'arn:exec:r', fence: grant.fence, generation: 0, leaseSeconds: 60 })).rejects.toBeInstanceOf(FencedOutError);
    expect(await locks.get('r')).toMatchObject({ state: 'PARKED', fence: parked });
    const checkpoints = new CheckpointStore(table);
    const key = { updateId: 'u', phase: 'wave' as const, target: 'n1', step: 'drain' };
    await expect(checkpoints.begin(key, { cluster: 'r', owner: 'arn:exec:r', fence: grant.fence })).rejects.toBeInstanceOf(FenceRejectedError);
    // Run 1 (the redrive) re-enters with the old fence in its state: re-acquires, fence + 1.
    const redriven = await locks.enter({ cluster: 'r', owner: 'arn:exec:r', fence: grant.fence, generation: 1, leaseSeconds: 60 });
    expect(redriven.fence).toBe(parked + 1);
    expect(await locks.get('r')).toMatchObject({ state: 'ACTIVE', generation: 1 });
    // A parallel branch of run 1, with the same old fence, adopts it; run 0 stays out.
    expect((await locks.enter({ cluster: 'r', owner: 'arn:exec:r', fence: grant.fence, generation: 1, leaseSeconds: 60 })).fence).toBe(redriven.fence);
    await expect(locks.enter({ cluster: 'r', owner: 'arn:exec:r', fence: grant.fence, generation: 0, leaseSeconds: 60 })).rejects.toBeInstanceOf(FencedOutError);
    await checkpoints.begin(key, { cluster: 'r', owner: 'arn:exec:r', fence: redriven.fence });
  });

  it('update record writes are fenced; of two resume claims on one read, one wins', async () => {
    const updates = new UpdateStore(table);
    const manifest = toManifest({ release: '2.0.0', cluster: 'f', services: [] });
    await updates.create({ updateId: 'f1', manifest, manifestHash: 'h', skipChecks: [] });
    const grant = await locks.acquire({ cluster: 'f', updateId: 'f1', owner: 'arn:exec:f1', leaseSeconds: 60 });
    const guard = { cluster: 'f', owner: 'arn:exec:f1', fence: grant.fence };
    await updates.fencedBy(guard).setStatus('f1', 'RUNNING', 'canary');
    await locks.park(guard);
    await expect(updates.fencedBy(guard).setStatus('f1', 'FAILED', 'canary', 'late')).rejects.toBeInstanceOf(FenceRejectedError);
    expect(await updates.require('f1')).toMatchObject({ status: 'RUNNING', phase: 'canary' });

    const seen = await updates.require('f1');
    const claims = await Promise.allSettled([
      updates.claimForResume(seen, { executionArn: 'arn:exec:f1-a', skipChecks: [] }),
      updates.claimForResume(seen, { executionArn: 'arn:exec:f1-b', skipChecks: [] }),
    ]);
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    const lost = claims.find((c) => c.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(UpdateChangedError);
    expect((lost.reason as Error).message).toContain((await updates.require('f1')).executionArn);
  });
});

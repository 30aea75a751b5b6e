import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IllegalCheckpointTransitionError } from '../../../../src/core/checkpoint/transitions';
import { CheckpointStore, type CheckpointKey } from '../../../../src/aws/store/checkpoint-store';
import { LockStore } from '../../../../src/aws/store/lock-store';
import { FenceRejectedError, LockHeldError } from '../../../../src/aws/store/store-errors';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../src/local/local-credentials';
import { startLocalTable, type LocalTable } from './local-table';

describe('lock and checkpoints on real DynamoDB Local', () => {
  let table: LocalTable;
  let locks: LockStore;
  let checkpoints: CheckpointStore;

  beforeAll(async () => {
    table = await startLocalTable();
    locks = new LockStore(table);
    checkpoints = new CheckpointStore(table);
  });
  afterAll(async () => table?.stop());

  it('20 concurrent acquires for one cluster: exactly one wins, the others are told who holds it', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => locks.acquire({ cluster: 'c20', updateId: `u${i}`, owner: `arn:exec:u${i}`, leaseSeconds: 60 })),
    );
    const winners = attempts.filter((a) => a.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as PromiseFulfilledResult<{ updateId: string; fence: number }>).value;
    expect(winner.fence).toBe(1);
    for (const a of attempts.filter((x) => x.status === 'rejected')) {
      const reason = (a as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(LockHeldError);
      expect(reason.message).toContain(`held by update ${winner.updateId}`);
      expect(reason.message).toContain('unlock --force');
    }
  });

  it('the same owner (a redrive) re-acquires with the same fence', async () => {
    const first = await locks.acquire({ cluster: 'same', updateId: 'u1', owner: 'arn:exec:u1', leaseSeconds: 60 });
    const again = await locks.acquire({ cluster: 'same', updateId: 'u1', owner: 'arn:exec:u1', leaseSeconds: 60 });
    expect(again.fence).toBe(first.fence);
    expect(again.tookOverFrom).toBeUndefined();
  });

  it('an expired lease is taken over with a higher fence; the old owner can write nothing more', async () => {
    const now = Date.now();
    const old = await locks.acquire({ cluster: 'exp', updateId: 'old', owner: 'arn:exec:old', leaseSeconds: 1, now: now - 10_000 });
    const key: CheckpointKey = { updateId: 'old', phase: 'wave', target: 'node-1', step: 'config' };
    await checkpoints.begin(key, { cluster: 'exp', owner: 'arn:exec:old', fence: old.fence });
    const taken = await locks.acquire({ cluster: 'exp', updateId: 'new', owner: 'arn:exec:new', leaseSeconds: 60, now });
    expect(taken.fence).toBe(old.fence + 1);
    expect(taken.tookOverFrom).toEqual({ owner: 'arn:exec:old', updateId: 'old', fence: old.fence });
    const late = checkpoints.succeed(key, { cluster: 'exp', owner: 'arn:exec:old', fence: old.fence });
    await expect(late).rejects.toBeInstanceOf(FenceRejectedError);
    await expect(late).rejects.toThrow(`now held by arn:exec:new with fence ${taken.fence}`);
    expect((await checkpoints.get(key))!.status).toBe('RUNNING');
  });

  it('a parked lock (failed update) never expires, but its own resume and unlock --force free it', async () => {
    const now = Date.now();
    const grant = await locks.acquire({ cluster: 'park', updateId: 'failed', owner: 'arn:exec:failed', leaseSeconds: 1, now: now - 10_000 });
    await locks.park({ cluster: 'park', owner: 'arn:exec:failed', fence: grant.fence });
    await expect(locks.acquire({ cluster: 'park', updateId: 'other', owner: 'arn:exec:other', leaseSeconds: 60, now })).rejects.toThrow(/waits to be resumed/);
    // A new execution of the same update (resume when redrive is impossible) continues, fenced.
    const resumed = await locks.acquire({ cluster: 'park', updateId: 'failed', owner: 'arn:exec:failed-2', leaseSeconds: 60, now });
    expect(resumed.fence).toBe(grant.fence + 2); // +1 by the park, +1 by the new execution
    const holder = await locks.forceUnlock('park');
    expect(holder?.updateId).toBe('failed');
    const next = await locks.acquire({ cluster: 'park', updateId: 'other', owner: 'arn:exec:other', leaseSeconds: 60, now });
    expect(next.fence).toBe(resumed.fence + 2); // +1 by the forced unlock, +1 by the new owner
    await expect(locks.renew({ cluster: 'park', owner: 'arn:exec:failed-2', fence: resumed.fence, leaseSeconds: 60 })).rejects.toBeInstanceOf(LockHeldError);
  });

  it('hand-over advances the fence: writes with the old fence are rejected, and release keeps the fence growing', async () => {
    const grant = await locks.acquire({ cluster: 'ho', updateId: 'u', owner: 'arn:exec:u', leaseSeconds: 60 });
    const advanced = await locks.advanceFence({ cluster: 'ho', owner: 'arn:exec:u', fence: grant.fence });
    expect(advanced).toBe(grant.fence + 1);
    const key: CheckpointKey = { updateId: 'u', phase: 'service', target: 'search', step: 'node-1' };
    await expect(checkpoints.begin(key, { cluster: 'ho', owner: 'arn:exec:u', fence: grant.fence })).rejects.toBeInstanceOf(FenceRejectedError);
    await checkpoints.begin(key, { cluster: 'ho', owner: 'arn:exec:u', fence: advanced });
    await locks.release({ cluster: 'ho', owner: 'arn:exec:u', fence: advanced });
    expect((await locks.acquire({ cluster: 'ho', updateId: 'v', owner: 'arn:exec:v', leaseSeconds: 60 })).fence).toBe(advanced + 1);
  });

  it('two copies of one task on one step (a retry while a timed-out invocation runs on): the copy that finds it SUCCEEDED gets the stored record, not an error', async () => {
    const guard = { cluster: 'twice', owner: 'arn:exec:twice', fence: (await locks.acquire({ cluster: 'twice', updateId: 'twice', owner: 'arn:exec:twice', leaseSeconds: 60 })).fence };
    const key: CheckpointKey = { updateId: 'twice', phase: 'canary', target: 'node-1', step: 'watch' };
    await checkpoints.recordProgress(key, guard, 5); // both copies saw this
    const done = await checkpoints.succeed(key, guard, { output: 'watched 10 s while serving' }); // the first copy
    // The second copy, a step behind, writes what it would have written.
    expect(await checkpoints.succeed(key, guard, { output: 'watched 10 s while serving' })).toEqual(done);
    expect(await checkpoints.recordProgress(key, guard, 10)).toEqual(done);
    expect(await checkpoints.attachCommand(key, guard, 'cmd-late')).toEqual(done);
    expect(await checkpoints.get(key)).toEqual(done);
    // A different outcome is still refused: a step that succeeded never becomes FAILED.
    await expect(checkpoints.fail(key, guard, { error: 'late' })).rejects.toBeInstanceOf(IllegalCheckpointTransitionError);
  });

  it('a write given what the caller read skips its own read; a stale read still cannot undo a finished step', async () => {
    const guard = { cluster: 'known', owner: 'arn:exec:known', fence: (await locks.acquire({ cluster: 'known', updateId: 'known', owner: 'arn:exec:known', leaseSeconds: 60 })).fence };
    const key: CheckpointKey = { updateId: 'known', phase: 'wave', target: 'node-1', step: 'config' };
    const reads: string[] = [];
    const counted = new CheckpointStore({ ...table, documents: countingReads(table, reads) });
    // Fresh reads: begin, attach and succeed with what the caller holds write once each and read nothing.
    const begun = await counted.begin(key, guard, { current: undefined });
    const attached = await counted.attachCommand(key, guard, 'cmd-1', { current: begun });
    const done = await counted.succeed(key, guard, { output: 'ok' }, { current: attached });
    expect(reads).toEqual([]);
    expect(done).toMatchObject({ status: 'SUCCEEDED', commandId: 'cmd-1', attempts: 1 });
    expect(await checkpoints.get(key)).toEqual(done);
    // Stale reads (another copy of the task finished the step meanwhile): the stored SUCCEEDED stands.
    expect(await counted.begin(key, guard, { current: undefined })).toEqual(done);
    expect(await counted.succeed(key, guard, { output: 'late' }, { current: attached })).toEqual(done);
    await expect(counted.fail(key, guard, { error: 'late' }, { current: attached })).rejects.toBeInstanceOf(IllegalCheckpointTransitionError);
    expect(await checkpoints.get(key)).toEqual(done);
  });

  it('a finished step is a no-op on any rerun; failed and skipped steps run again; illegal moves are refused', async () => {
    const guard = { cluster: 'cp', owner: 'arn:exec:cp', fence: (await locks.acquire({ cluster: 'cp', updateId: 'cp', owner: 'arn:exec:cp', leaseSeconds: 60 })).fence };
    const key: CheckpointKey = { updateId: 'cp', phase: 'canary', target: 'node-1', step: 'system-packages' };
    const started = await checkpoints.begin(key, guard);
    expect(started).toMatchObject({ status: 'RUNNING', attempts: 1 });
    await checkpoints.attachCommand(key, guard, 'cmd-1');
    // A crash here, then a rerun: begin re-attaches to the stored command instead of starting over.
    expect(await checkpoints.begin(key, guard)).toMatchObject({ status: 'RUNNING', commandId: 'cmd-1', attempts: 1 });
    await checkpoints.succeed(key, guard, { output: 'x'.repeat(5000) });
    const rerun = await checkpoints.begin(key, guard);
    expect(rerun.status).toBe('SUCCEEDED');
    expect(rerun.output).toHaveLength(2048);
    await expect(checkpoints.fail(key, guard, { error: 'late' })).rejects.toBeInstanceOf(IllegalCheckpointTransitionError);

    const failing: CheckpointKey = { ...key, step: 'config' };
    await checkpoints.begin(failing, guard);
    await checkpoints.fail(failing, guard, { error: 'exit 1' });
    expect(await checkpoints.begin(failing, guard)).toMatchObject({ status: 'RUNNING', attempts: 2 });
    const skipped: CheckpointKey = { ...key, phase: 'service', target: 'tql', step: 'node-2' };
    await checkpoints.skip(skipped, guard, { reason: 'search failed' });
    expect((await checkpoints.get(skipped))!.reason).toBe('search failed');
  });

  it('records many steps in few transactions and lists an update\'s checkpoints by phase', async () => {
    const guard = { cluster: 'many', owner: 'arn:exec:many', fence: (await locks.acquire({ cluster: 'many', updateId: 'many', owner: 'arn:exec:many', leaseSeconds: 60 })).fence };
    const keys = Array.from({ length: 250 }, (_, i): CheckpointKey => ({ updateId: 'many', phase: 'wave', target: `node-${i}`, step: 'drain' }));
    await checkpoints.recordMany(keys, guard, 'RUNNING', { commandId: 'cmd-wave' });
    await checkpoints.recordMany(keys, guard, 'SUCCEEDED');
    const listed = await checkpoints.query('many', { phase: 'wave' });
    expect(listed).toHaveLength(250);
    expect(listed.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect(await checkpoints.query('many', { phase: 'canary' })).toEqual([]);
    await expect(checkpoints.recordMany(keys.slice(0, 3), guard, 'FAILED', { error: 'x' })).rejects.toBeInstanceOf(IllegalCheckpointTransitionError);
  });
});

/** A document client on the same table that notes every read it sends (GetItem, Query, BatchGetItem). */
function countingReads(table: LocalTable, reads: string[]): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ endpoint: table.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^(GetItem|Query|BatchGetItem)Command$/.test(context.commandName ?? '')) reads.push(context.commandName!);
      return next(args);
    },
    { step: 'initialize', name: 'countReads' },
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

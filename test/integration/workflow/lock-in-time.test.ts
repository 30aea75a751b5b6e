import { ListCommandsCommand, type Command } from '@aws-sdk/client-ssm';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockHeldError, OwnerStillRunningError } from '../../../src/aws/store/store-errors';
import type { LockItem } from '../../../src/aws/store/lock-store';
import { exitCodeFor } from '../../../src/cli/exit-codes';
import { resumeUpdate } from '../../../src/cli/operations/resume-update';
import { stopUpdate } from '../../../src/cli/operations/stop-update';
import { locksOf } from '../../../src/cli/operations/target-locks';
import { EXAMPLE_PLATFORM_STEPS, EXAMPLE_STEPS, smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

const LEASE_SECONDS = 6;
const CLUSTER = 'small';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads the lock item every `intervalMs` while an execution runs: what a second actor would see. */
class LockSampler {
  public readonly samples: { at: number; lock?: LockItem }[] = [];
  private timer?: NodeJS.Timeout;
  public constructor(private readonly harness: WorkflowHarness, private readonly intervalMs = 1000) {}
  public start(): void {
    const sample = async () => {
      // Timed before the read: the item read was current at some moment after `at`, so a lease valid then ends after `at`.
      const at = Date.now();
      this.samples.push({ at, lock: await this.harness.locks.get(CLUSTER) });
      this.timer = setTimeout(() => void sample(), this.intervalMs);
    };
    void sample();
  }
  public stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * The leader lock under real timing (issue #11), on the synthesized state
 * machine with a lease of a few seconds: steps much longer than the lease,
 * a second start while one runs, `stop --now` with invocations still in
 * flight and an immediate resume, a HandOver whose answer is lost and
 * retried. Outcomes are read from the fleet's own log, the lock item, the
 * checkpoints and the SSM command records.
 */
describe('one update at a time, whatever runs long, stops or retries', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // The small cluster with the example's platform steps and hooks: what is under test is
    // the lock against the lease, not the size of the cluster (three nodes give a canary and two waves).
    // The canary watch is one Wait of canaryWatchSeconds (a path, not scaled locally); kept under a quarter of
    // the lease here until the watch becomes short checkpointed Waits of its own.
    const manifest = smallManifest(EXAMPLE_STEPS);
    harness = await WorkflowHarness.start({
      manifest: { ...manifest, policy: { ...manifest.policy, canaryWatchSeconds: 1 } },
      inventory: smallInventory(),
      handlerEnvironment: { LEASE_SECONDS: String(LEASE_SECONDS), CLUSTER_UPDATE_FAULT_LOSE_RESPONSE: 'hand-over' },
    });
  });
  afterAll(async () => harness?.stop());

  const waitForCheckpoint = async (updateId: string, match: (c: { phase: string; target: string; step: string; status: string }) => boolean) => {
    for (let i = 0; i < 600; i += 1) {
      if ((await harness.checkpoints.query(updateId)).some(match)) return;
      await sleep(100);
    }
    throw new Error(`no checkpoint of ${updateId} matched`);
  };

  it('a step 3× the lease keeps the lock; a second start is refused naming the RUNNING holder; unlock --force is refused; the first update succeeds', { timeout: 300_000 }, async () => {
    // The canary's config step takes 3 leases.
    harness.fleet.injectFault({ kind: 'slow', operation: 'platform-install', name: 'config', node: 'node-1', delayMs: 3 * LEASE_SECONDS * 1000 });
    const sampler = new LockSampler(harness);
    const first = await harness.start({ updateId: 'a' });
    sampler.start();
    await waitForCheckpoint('a', (c) => c.phase === 'canary' && c.step === 'platform-config' && c.status === 'RUNNING');
    await sleep(2 * LEASE_SECONDS * 1000); // well past the lease the first invocation of the step got

    const second = await harness.start({ updateId: 'b', manifest: { ...harness.manifest, release: '7.3.0', previous: '7.2.0' } }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(LockHeldError);
    expect((second as Error).message).toMatch(/lock held by update a \(execution RUNNING since \d{4}-\d\d-\d\dT/);
    expect(exitCodeFor(second)).toBe(2);
    expect(await harness.updates.get('b')).toBeUndefined(); // nothing touched

    const unlock = await locksOf(harness.target).forceUnlock(CLUSTER).catch((e: unknown) => e);
    expect(unlock).toBeInstanceOf(OwnerStillRunningError);
    expect((unlock as Error).message).toContain('stop a --now` first');
    expect(exitCodeFor(unlock)).toBe(2);

    harness.fleet.clearFaults();
    const outcome = await harness.finished(first.executionArn);
    sampler.stop();
    expect(outcome.status, await harness.explain('a', outcome)).toBe('SUCCEEDED');
    // From the first sample after AcquireLock created the lock item until the execution ended.
    const firstHeld = sampler.samples.findIndex((s) => s.lock !== undefined);
    const whileRunning = sampler.samples.slice(firstHeld).filter((s) => s.at < outcome.stopDate!.getTime() - 1000);
    expect(whileRunning.length).toBeGreaterThan(3 * LEASE_SECONDS);
    expect(new Set(whileRunning.map((s) => s.lock?.owner))).toEqual(new Set([first.executionArn]));
    for (const sample of whileRunning) expect(sample.lock!.leaseExpiresAt, `lease at ${new Date(sample.at).toISOString()}`).toBeGreaterThan(sample.at);
    for (const node of harness.fleet.nodeIds) expect(harness.count('platform-install', 'config', node), node).toBe(1);
  });

  it('a HandOver retried after its fence write is a no-op, and every later command uses the document version the canary ran', { timeout: 300_000 }, async () => {
    const history = await harness.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: (await harness.updates.require('a')).executionArn!, maxResults: 1000 }));
    expect(JSON.stringify(history.events)).toContain('simulated lost response of hand-over'); // the answer was lost; Step Functions retried
    const record = await harness.updates.require('a');
    const lock = (await harness.locks.get(CLUSTER))!;
    // Acquired with fence 1, handed over once to fence 2, released keeping it: the retry advanced nothing.
    expect(record.owner).toMatchObject({ node: 'node-1', agentRelease: '7.2.0', documentVersion: '1', fence: 2 });
    expect(lock).toMatchObject({ state: 'FREE', fence: 2 });

    const commands: Command[] = [];
    let nextToken: string | undefined;
    do {
      const page = await harness.clients.ssm.send(new ListCommandsCommand({ NextToken: nextToken, MaxResults: 50 }));
      commands.push(...(page.Commands ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    const versionOf = new Map(commands.map((c) => [c.CommandId!, c.DocumentVersion]));
    const checkpoints = (await harness.checkpoints.query('a')).filter((c) => c.commandId);
    const after = checkpoints.filter((c) => c.phase === 'wave' || c.phase === 'service' || c.phase === 'post-hooks');
    expect(after.length).toBeGreaterThan(20);
    expect(new Set(after.map((c) => versionOf.get(c.commandId!)))).toEqual(new Set(['1']));
    expect(new Set(checkpoints.filter((c) => c.phase === 'canary').map((c) => versionOf.get(c.commandId!)))).toEqual(new Set(['$DEFAULT']));
  });

  it('stop --now while a slow wave step runs, then resume at once: every (node, step) ran once, and nothing of the stopped run landed after the park', { timeout: 300_000 }, async () => {
    const manifest = { ...harness.manifest, release: '7.3.0', previous: '7.2.0' };
    harness.fleet.injectFault({ kind: 'slow', operation: 'platform-install', name: 'system-packages', node: 'node-3', delayMs: 2 * LEASE_SECONDS * 1000 });
    const before = harness.fleet.operations().length;
    const started = await harness.start({ updateId: 'c', manifest });
    await waitForCheckpoint('c', (c) => c.phase === 'wave' && c.target === 'node-3' && c.step === 'platform-system-packages' && c.status === 'RUNNING');
    const running = (await harness.locks.get(CLUSTER))!;
    await stopUpdate(harness.target, { updateId: 'c', now: true });
    const parkedAt = new Date().toISOString();
    expect(await harness.locks.get(CLUSTER)).toMatchObject({ state: 'PARKED', fence: running.fence + 1 });
    harness.fleet.clearFaults();
    const resumed = await resumeUpdate(harness.target, { updateId: 'c' });
    // The rollout runs in the parent execution: the redrive restarts at its task, which re-acquires the parked
    // lock (a new run, a new fence) and picks up the claims the stopped run left in force.
    expect(resumed).toMatchObject({ how: 'redrive' });
    expect(resumed.executionArn).toBe(started.executionArn);
    const outcome = await harness.finished(resumed.executionArn);
    expect(outcome.status, await harness.explain('c', outcome)).toBe('SUCCEEDED');

    const ran = harness.fleet.operations().slice(before).filter((o) => o.ok && o.operation === 'platform-install');
    const perNodeStep = new Map<string, number>();
    for (const o of ran) perNodeStep.set(`${o.node}/${o.name}`, (perNodeStep.get(`${o.node}/${o.name}`) ?? 0) + 1);
    expect(perNodeStep.size).toBe(harness.fleet.nodeIds.length * EXAMPLE_PLATFORM_STEPS.length);
    expect([...perNodeStep].filter(([, n]) => n !== 1)).toEqual([]);
    const stale = (await harness.checkpoints.query('c')).filter((c) => c.fence <= running.fence && (c.endedAt ?? c.startedAt ?? '') > parkedAt);
    expect(stale).toEqual([]);
  });

  it('a hook RUNNING at stop --now can be skipped on resume; of two resumes at once one starts, the other is refused naming it', { timeout: 300_000 }, async () => {
    const manifest = { ...harness.manifest, release: '7.4.0', previous: '7.3.0' };
    harness.fleet.injectFault({ kind: 'slow', operation: 'hook', name: 'disk-space', node: 'node-2', delayMs: 60_000 });
    const started = await harness.start({ updateId: 'd', manifest });
    await waitForCheckpoint('d', (c) => c.phase === 'pre-hooks' && c.target === 'node-2' && c.step === 'disk-space' && c.status === 'RUNNING');
    await stopUpdate(harness.target, { updateId: 'd', now: true });
    harness.fleet.clearFaults();

    const resumes = await Promise.allSettled([resumeUpdate(harness.target, { updateId: 'd', skipChecks: ['disk-space'] }), resumeUpdate(harness.target, { updateId: 'd', skipChecks: ['disk-space'] })]);
    const won = resumes.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof resumeUpdate>>> => r.status === 'fulfilled');
    const lost = resumes.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(exitCodeFor(lost[0]!.reason)).toBe(2);
    expect((lost[0]!.reason as Error).message).toContain(won[0]!.value.executionArn);

    const outcome = await harness.finished(started.executionArn);
    expect(outcome.status, await harness.explain('d', outcome)).toBe('SUCCEEDED');
    expect(await harness.checkpoints.get({ updateId: 'd', phase: 'pre-hooks', target: 'node-2', step: 'disk-space' })).toMatchObject({ status: 'SKIPPED', reason: 'skipped by operator' });
    expect((await harness.fleet.status()).every((n) => n.release === '7.4.0')).toBe(true);
  });

  it('stop --now while the canary runs, then resume: the redrive continues at the canary (AWS semantics) with the lock PARKED, re-acquires it, hands over and finishes; nothing before the canary runs again', { timeout: 300_000 }, async () => {
    const manifest = { ...harness.manifest, release: '7.5.0', previous: '7.4.0' };
    harness.fleet.injectFault({ kind: 'slow', operation: 'platform-install', name: 'python-packages', node: 'node-1', delayMs: 60_000 });
    const before = harness.fleet.operations().length;
    const started = await harness.start({ updateId: 'e', manifest });
    await waitForCheckpoint('e', (c) => c.phase === 'canary' && c.step === 'platform-python-packages' && c.status === 'RUNNING');
    const running = (await harness.locks.get(CLUSTER))!;
    await stopUpdate(harness.target, { updateId: 'e', now: true });
    expect(await harness.locks.get(CLUSTER)).toMatchObject({ state: 'PARKED', fence: running.fence + 1 });
    harness.fleet.clearFaults();

    const resumed = await resumeUpdate(harness.target, { updateId: 'e' });
    expect(resumed).toMatchObject({ how: 'redrive', executionArn: started.executionArn });
    const outcome = await harness.finished(started.executionArn);
    expect(outcome.status, await harness.explain('e', outcome)).toBe('SUCCEEDED');

    // Redriven at the interrupted state: the history after ExecutionRedriven starts at the canary, never at the lock or the plan.
    const events = (await harness.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1000 }))).events!;
    const redriven = events.findIndex((e) => e.type === 'ExecutionRedriven');
    expect(redriven).toBeGreaterThan(0);
    const enteredAfter = events.slice(redriven).map((e) => e.stateEnteredEventDetails?.name).filter((n): n is string => n !== undefined);
    expect(enteredAfter[0]).toMatch(/^Canary/);
    for (const earlier of ['AcquireLock', 'Plan', 'PreUpdateHooks']) expect(enteredAfter).not.toContain(earlier);
    expect(enteredAfter).toEqual(expect.arrayContaining(['HandOver', 'Rollout', 'PostUpdateHooks', 'Finalize']));
    // The redriven run re-acquired the parked lock and the hand-over advanced it once more; the record names that fence.
    const record = await harness.updates.require('e');
    expect(record.owner?.fence).toBeGreaterThan(running.fence + 1);
    expect(await harness.locks.get(CLUSTER)).toMatchObject({ state: 'FREE', fence: record.owner!.fence });
    // On the nodes, each (node, step) completed once: the step cancelled by stop --now ran again, nothing else did.
    const ran = harness.fleet.operations().slice(before).filter((o) => o.ok && o.operation === 'platform-install');
    const perNodeStep = new Map<string, number>();
    for (const o of ran) perNodeStep.set(`${o.node}/${o.name}`, (perNodeStep.get(`${o.node}/${o.name}`) ?? 0) + 1);
    expect(perNodeStep.size).toBe(harness.fleet.nodeIds.length * EXAMPLE_PLATFORM_STEPS.length);
    expect([...perNodeStep].filter(([, n]) => n !== 1)).toEqual([]);
    expect((await harness.fleet.status()).every((n) => n.release === '7.5.0')).toBe(true);
  });
});

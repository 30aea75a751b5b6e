import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_STEPS, smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// The small cluster with the example's platform steps and hooks: a check on every node, a canary and two waves.
describe('pre-update checks and a graceful stop', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ manifest: smallManifest(EXAMPLE_STEPS), inventory: smallInventory() });
  });
  afterAll(async () => harness?.stop());

  it('a failing pre-update check stops the update before the canary; skipped by name, the next update proceeds and records the skip', async () => {
    harness.fleet.injectFault({ kind: 'fail', operation: 'hook', name: 'disk-space', node: 'node-2', message: '/var is 97% full' });
    const first = await harness.start({ updateId: 'hook-fails' });
    const failed = await harness.finished(first.executionArn);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'HookFailedError' });
    expect(failed.cause).toContain('/var is 97% full');
    expect(await harness.checkpoints.query('hook-fails', { phase: 'canary' })).toEqual([]);
    expect(harness.count('drain')).toBe(0);
    expect((await harness.fleet.status()).every((n) => n.release === '7.1.3')).toBe(true);

    await harness.locks.forceUnlock(harness.manifest.cluster); // the operator abandons it: `unlock --force`
    await expect(harness.start({ updateId: 'bad-skip', skipChecks: ['cluster-health'] })).rejects.toThrow(/cannot be skipped/);
    const second = await harness.start({ updateId: 'hook-skipped', skipChecks: ['disk-space'] });
    const secondOutcome = await harness.finished(second.executionArn);
    expect(secondOutcome.status, await harness.explain('hook-skipped', secondOutcome)).toBe('SUCCEEDED');
    const skipped = (await harness.checkpoints.query('hook-skipped', { phase: 'pre-hooks' })).filter((c) => c.step === 'disk-space');
    expect(skipped.length).toBe(harness.fleet.nodeIds.length);
    expect(skipped.every((c) => c.status === 'SKIPPED' && c.reason === 'skipped by operator')).toBe(true);
    harness.fleet.clearFaults();
  });

  it('a graceful stop ends the update between waves, resumable; resume finishes it', async () => {
    const manifest = { ...harness.manifest, release: '7.3.0', previous: '7.2.0' };
    // Slow platform installs so the stop lands while waves remain.
    harness.fleet.injectFault({ kind: 'slow', operation: 'platform-install', delayMs: 300 });
    const started = await harness.start({ updateId: 'graceful-stop', manifest });
    for (;;) {
      const record = await harness.updates.require('graceful-stop');
      if (record.phase === 'rollout') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await harness.updates.requestStop('graceful-stop');
    const stopped = await harness.finished(started.executionArn);
    expect(stopped).toMatchObject({ status: 'FAILED', error: 'UpdateStopped' });
    expect(await harness.updates.require('graceful-stop')).toMatchObject({ status: 'STOPPED' });
    const releases = (await harness.fleet.status()).map((n) => n.release);
    expect(releases).toContain('7.2.0'); // some waves had not started
    expect((await harness.fleet.status()).every((n) => !n.drained)).toBe(true); // no node left out of the cluster

    harness.fleet.clearFaults();
    await harness.updates.requestStop('graceful-stop', false);
    const resumed = await harness.resume('graceful-stop');
    expect(resumed.status, await harness.explain('graceful-stop', resumed)).toBe('SUCCEEDED');
    expect((await harness.fleet.status()).every((n) => n.release === '7.3.0')).toBe(true);
  });
});

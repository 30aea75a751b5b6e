import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_STEPS, smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// The small cluster with the example's platform steps and hooks: the canary and two nodes it must leave untouched.
describe('a canary failure, then resume', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ manifest: smallManifest(EXAMPLE_STEPS), inventory: smallInventory() });
  });
  afterAll(async () => harness?.stop());

  it('stops at the canary with every other node untouched; after the fix, resume finishes without redoing the canary\'s finished steps', async () => {
    const before = await harness.fleet.status();
    harness.fleet.injectFault({ kind: 'fail', operation: 'platform-install', name: 'python-packages', node: 'node-1', message: 'pip: could not install analytics-sdk==7.2.0' });
    const started = await harness.start();
    const failed = await harness.finished(started.executionArn);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('CanaryFailedError');
    expect(failed.cause).toContain('canary node-1 failed at platform-python-packages');
    expect(await harness.updates.require(started.updateId)).toMatchObject({ status: 'FAILED', phase: 'canary' });
    expect((await harness.locks.get(harness.manifest.cluster))!.state).toBe('PARKED');

    const after = await harness.fleet.status();
    for (const node of after.filter((n) => n.id !== 'node-1')) {
      const was = before.find((n) => n.id === node.id)!;
      expect(node.release).toBe('7.1.3');
      expect(node.services.map((s) => [s.name, s.release, s.pid, s.startedAt])).toEqual(was.services.map((s) => [s.name, s.release, s.pid, s.startedAt]));
    }
    // Another update cannot start over the half-updated canary.
    await expect(harness.start({ updateId: 'another-update' })).rejects.toThrow(/held by update .* waits to be resumed/);

    harness.fleet.clearFaults();
    const resumed = await harness.resume(started.updateId);
    const failures = (await harness.checkpoints.query(started.updateId)).filter((c) => c.status === 'FAILED').map((c) => c.error);
    expect(resumed, `${resumed.error}: ${resumed.cause} ${failures.join(' | ')}`).toMatchObject({ status: 'SUCCEEDED' });
    expect(harness.count('platform-install', 'system-packages', 'node-1')).toBe(1);
    expect(harness.count('platform-install', 'config', 'node-1')).toBe(1);
    expect(harness.count('platform-install', 'python-packages', 'node-1')).toBe(1);
    expect(harness.count('drain', undefined, 'node-1')).toBe(1);
    expect((await harness.fleet.status()).every((n) => n.release === '7.2.0')).toBe(true);
    expect((await harness.locks.get(harness.manifest.cluster))!.state).toBe('FREE');
  });
});

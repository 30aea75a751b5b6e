import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readUpdate } from '../../../src/cli/operations/read-update';
import { buildUpdateView } from '../../../src/cli/status/update-view';
import { smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// The three defects of issue #12 as a new user met them with `demo -m <manifest> --json`, on a
// three-node cluster (node-1 the canary hosting api and web, node-2 api and web, node-3 web).
describe('what a manifest says is what runs on the nodes', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ manifest: smallManifest(), inventory: smallInventory() });
  });
  afterAll(async () => harness?.stop());
  // Each case leaves its failed update's lock parked; the next one starts as after `unlock --force`.
  beforeEach(async () => {
    await harness.locks.forceUnlock('small');
  });

  it('a failing post-update check named like a pre-update check runs, and fails the update', async () => {
    const manifest = smallManifest({ hooks: '  preUpdate: [ { name: cluster-health, run: "true" } ]\n  postUpdate: [ { name: cluster-health, run: "echo cluster degraded; exit 1" } ]' });
    const started = await harness.start({ updateId: 'post-hook-fails', manifest });
    const ended = await harness.finished(started.executionArn);
    expect(ended.status, await harness.explain('post-hook-fails', ended)).toBe('FAILED');
    expect(ended.error).toBe('HookFailedError');
    expect(ended.cause).toContain('cluster degraded');
    const post = (await harness.checkpoints.query('post-hook-fails', { phase: 'post-hooks' })).filter((c) => c.step === 'cluster-health');
    expect(post.map((c) => c.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
  });

  it('a platform step longer than its timeoutSeconds fails, naming the step and its timeout', async () => {
    const manifest = smallManifest({ release: '7.3.0', previous: '7.2.0', platform: '  - { name: slow-step, run: "sleep 20", timeoutSeconds: 2 }' });
    const began = Date.now();
    const started = await harness.start({ updateId: 'step-times-out', manifest });
    const ended = await harness.finished(started.executionArn);
    expect(ended.status, await harness.explain('step-times-out', ended)).toBe('FAILED');
    expect(ended.error).toBe('CanaryFailedError');
    expect(ended.cause).toContain('platform slow-step on node-1 timed out after 2 s (timeoutSeconds)');
    expect(Date.now() - began).toBeLessThan(18_000);
  });

  it('a failed one-off needed on the canary fails that service and skips its dependents; everything else is updated', async () => {
    const manifest = smallManifest({
      release: '7.4.0',
      previous: '7.3.0',
      services: `  - { name: migrate, oneOff: true, run: "echo migration 42 duplicate key >&2; exit 3", rollback: "true" }
  - { name: api, dependsOn: [migrate], minHealthy: 1, health: { http: /health } }
  - { name: web, minHealthy: 1, health: { http: /health } }`,
    });
    const started = await harness.start({ updateId: 'canary-oneoff-fails', manifest });
    const ended = await harness.finished(started.executionArn);
    expect(ended.status, await harness.explain('canary-oneoff-fails', ended)).toBe('FAILED');
    expect(ended.error).toBe('UpdatePartiallyFailed');
    expect(ended.cause).toBe('failed: migrate; skipped: api');
    const nodes = await harness.fleet.status();
    expect(nodes.map((n) => n.release)).toEqual(['7.4.0', '7.4.0', '7.4.0']);
    const releases = (service: string) => nodes.flatMap((n) => n.services.filter((s) => s.name === service).map((s) => s.release));
    expect(releases('web')).toEqual(['7.4.0', '7.4.0', '7.4.0']);
    expect(new Set(releases('api'))).not.toContain('7.4.0');
    expect(nodes.every((n) => !n.drained)).toBe(true);
    // `status --json` shows the failed one-off as FAILED with its error, not PENDING.
    const view = buildUpdateView(await readUpdate(harness.target, 'canary-oneoff-fails'), new Date());
    const migrate = view.services.find((s) => s.name === 'migrate');
    expect(migrate).toMatchObject({ state: 'FAILED' });
    expect(migrate?.reason).toContain('exit 3');
    expect(view.services.find((s) => s.name === 'api')).toMatchObject({ state: 'SKIPPED' });
  });
});

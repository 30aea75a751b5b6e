import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeUpdate } from '../../../src/cli/operations/resume-update';
import { stopUpdate } from '../../../src/cli/operations/stop-update';
import { smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Found by chaos seed 32 once the local redrive continued where the execution stopped, as AWS's does: a service
 * update that failed on the canary, then `stop --now` during the canary watch and `resume` (a redrive: it re-acquires
 * the lock with a new fence and continues at the watch). The canary forgot the failure (it counted only failures of
 * its own fence), the old release answered the serving check, the rollout took the canary's replica for done and
 * the update SUCCEEDED with the canary still on the old release of that service and of its dependent.
 */
describe('a service that failed on the canary, then stop --now and a redrive', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // The small cluster, with web depending on api as web-ui depends on query-planner in the example (both on the
    // canary): the failed service and its dependent.
    const manifest = smallManifest({
      services: `  - { name: migrate, oneOff: true, run: cu-node oneoff run migrate "$CU_RELEASE", rollback: cu-node oneoff rollback migrate "$CU_RELEASE" }
  - { name: api, dependsOn: [migrate], minHealthy: 1, health: { http: /health } }
  - { name: web, dependsOn: [api], minHealthy: 1, health: { http: /health } }`,
    });
    harness = await WorkflowHarness.start({ manifest: { ...manifest, policy: { ...manifest.policy, canaryWatchSeconds: 10 } }, inventory: smallInventory() });
  });
  afterAll(async () => harness?.stop());

  it('ends with every replica at the release, the canary\'s included', { timeout: 300_000 }, async () => {
    harness.fleet.injectFault({ kind: 'fail', operation: 'service-update', name: 'api', node: 'node-1' });
    const started = await harness.start({ updateId: 'canary-redrive' });
    for (let i = 0; i < 1200; i += 1) {
      if ((await harness.checkpoints.query('canary-redrive')).some((c) => c.phase === 'canary' && c.step === 'watch')) break;
      await sleep(100);
    }
    const failed = await harness.checkpoints.get({ updateId: 'canary-redrive', phase: 'canary', target: 'node-1', step: 'service-api' });
    expect(failed?.status).toBe('FAILED');
    await stopUpdate(harness.target, { updateId: 'canary-redrive', now: true });
    harness.fleet.clearFaults();

    const resumed = await resumeUpdate(harness.target, { updateId: 'canary-redrive' });
    expect(resumed).toMatchObject({ how: 'redrive', executionArn: started.executionArn });
    const outcome = await harness.finished(started.executionArn);
    expect(outcome.status, await harness.explain('canary-redrive', outcome)).toBe('SUCCEEDED');
    const stale = (await harness.fleet.status()).flatMap((n) => n.services.filter((s) => s.release !== harness.manifest.release).map((s) => `${s.name}@${n.id}=${s.release}`));
    expect(stale).toEqual([]);
    expect(harness.count('service-update', 'api', 'node-1')).toBe(1); // the failed attempt is not counted: it did not complete
    expect(harness.count('service-update', 'web', 'node-1')).toBe(1);
  });
});

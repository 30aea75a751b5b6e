import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowHarness } from './workflow-harness';

describe('a node failing in a platform wave, with maxFailedNodes 0', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start();
  });
  afterAll(async () => harness?.stop());

  it('stops the rollout: later waves never start and their nodes keep the old release', async () => {
    harness.fleet.injectFault({ kind: 'fail', operation: 'platform-install', name: 'config', node: 'node-3', message: 'config template error' });
    const started = await harness.start();
    expect(started.plan.waves).toEqual([['node-2', 'node-3'], ['node-4', 'node-5'], ['node-6']]);
    const failed = await harness.finished(started.executionArn);
    expect(failed.status).toBe('FAILED');
    expect(failed.cause).toContain('1 node(s) failed (node-3), more than maxFailedNodes 0');
    // The local Map runtime would still start queued iterations after a failure; the wave task refuses them.
    await new Promise((r) => setTimeout(r, 3_000));
    const nodes = new Map((await harness.fleet.status()).map((n) => [n.id, n]));
    for (const id of ['node-4', 'node-5', 'node-6']) {
      expect(nodes.get(id)?.release, id).toBe('7.1.3');
      expect(nodes.get(id)?.drained, id).toBe(false);
    }
    const waveTargets = new Set((await harness.checkpoints.query(started.updateId, { phase: 'wave' })).map((c) => c.target));
    // node-2 shares the wave: it finished it if it was claimed before node-3 failed; if a service update held it
    // at that moment, the rollout stopped before taking it (the failure budget was spent). Either way it serves.
    expect(waveTargets.has('node-3')).toBe(true);
    expect([...waveTargets].every((n) => n === 'node-2' || n === 'node-3')).toBe(true);
    if (waveTargets.has('node-2')) expect(nodes.get('node-2')?.release).toBe('7.2.0');
    expect(nodes.get('node-2')?.drained).toBe(false);
  });
});

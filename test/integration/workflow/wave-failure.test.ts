import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import { EXAMPLE_STEPS, smallManifest, smallPolicy } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// Five nodes with the small cluster's services and the example's platform steps, two a wave: node-3 fails in the
// first wave beside node-2; node-4 and node-5 come after it.
const manifest = smallManifest({ ...EXAMPLE_STEPS, policy: smallPolicy({ maxInFlight: 2 }) });
const inventory = parseInventory(`
nodes:
  - { id: node-1, services: [api, web] }
  - { id: node-2, services: [api, web] }
  - { id: node-3, services: [web] }
  - { id: node-4, services: [api, web] }
  - { id: node-5, services: [web] }
`);

describe('a node failing in a platform wave, with maxFailedNodes 0', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ manifest, inventory });
  });
  afterAll(async () => harness?.stop());

  it('stops the rollout: no node is taken out once the failure is known, and the nodes never taken out keep the old release', async () => {
    harness.fleet.injectFault({ kind: 'fail', operation: 'platform-install', name: 'config', node: 'node-3', message: 'config template error' });
    const before = harness.fleet.operations().length;
    const started = await harness.start();
    const failed = await harness.finished(started.executionArn);
    expect(failed.status).toBe('FAILED');
    expect(failed.cause).toContain('1 node(s) failed (node-3), more than maxFailedNodes 0');
    await new Promise((r) => setTimeout(r, 3_000));
    // The moment the workflow knew: node-3's config step recorded FAILED. No drain was begun after it (its
    // checkpoint is begun right before SendCommand). A drain begun just before may reach its node a few ms after the
    // record (the node's clock line, not the decision), so the nodes' own lines are held to the begun drains.
    const failure = (await harness.checkpoints.get({ updateId: started.updateId, phase: 'wave', target: 'node-3', step: 'platform-config' }))!;
    expect(failure).toMatchObject({ status: 'FAILED' });
    const begun = (await harness.checkpoints.query(started.updateId)).filter((c) => c.step === 'drain');
    expect(begun.filter((c) => c.startedAt! > failure.endedAt!).map((c) => c.target)).toEqual([]);
    const drains = harness.fleet.operations().slice(before).filter((o) => o.operation === 'drain' && o.ok);
    expect(drains.map((o) => o.node).filter((node) => !begun.some((c) => c.target === node))).toEqual([]);
    // Every node but the canary and node-3 was either taken out before that and finished (new release), or never
    // taken out (old release); none is left drained.
    const drained = new Set(drains.map((o) => o.node));
    const nodes = new Map((await harness.fleet.status()).map((n) => [n.id, n]));
    for (const id of ['node-2', 'node-4', 'node-5']) {
      expect(nodes.get(id)?.release, id).toBe(drained.has(id) ? '7.2.0' : '7.1.3');
      expect(nodes.get(id)?.drained, id).toBe(false);
    }
  });
});

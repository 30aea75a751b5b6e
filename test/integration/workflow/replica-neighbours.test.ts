import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import { smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// Issue #12: after each replica update, every service on that node is health-checked before its slots are given
// back. Here the update of api on node-2 stops its neighbour web (a shared library, a port taken): the node's
// platform wave has already checked node-2 by then (api waits for `slow` on node-3), so only the check after the
// replica update can see it. web's check gives up after 15 s instead of the default 60 s: the failure this test waits
// for is that check giving up (the test took 74 s with the default, over half its timeout).
describe('health of the neighbours after a replica update', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    const inventory = parseInventory('nodes:\n  - { id: node-1, services: [api, web] }\n  - { id: node-2, services: [api, web] }\n  - { id: node-3, services: [web, slow] }\n');
    const manifest = smallManifest({
      services: `  - { name: slow, minHealthy: 0, update: 'sleep 8 && cu-node service update slow "$CU_RELEASE"', health: { http: /health } }
  - { name: api, dependsOn: [slow], minHealthy: 1, health: { http: /health }, update: 'cu-node service update api "$CU_RELEASE" && if [ "$CU_NODE_ID" = node-2 ]; then cu-node service stop web; fi' }
  - { name: web, minHealthy: 1, health: { http: /health, timeoutSeconds: 15 } }`,
    });
    harness = await WorkflowHarness.start({ manifest, inventory });
  });
  afterAll(async () => harness?.stop());

  it('a replica update that breaks another service on its node fails that replica, which stays out', async () => {
    const started = await harness.start({ updateId: 'neighbour-broken' });
    const ended = await harness.finished(started.executionArn);
    expect(ended.status, await harness.explain('neighbour-broken', ended)).toBe('FAILED');
    const failed = (await harness.checkpoints.query('neighbour-broken')).filter((c) => c.status === 'FAILED');
    expect(failed.map((c) => `${c.phase}/${c.target}/${c.step}`)).toContain('service/api/health-node-2');
    expect(failed.find((c) => c.step === 'health-node-2')?.error).toMatch(/web/);
    const node2 = (await harness.fleet.status()).find((n) => n.id === 'node-2')!;
    expect(node2.services.find((s) => s.name === 'web')?.running).toBe(false);
  });
});

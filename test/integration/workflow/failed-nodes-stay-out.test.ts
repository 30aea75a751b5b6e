import { readUpdate } from '../../../src/cli/operations/read-update';
import { statusJson } from '../../../src/cli/status/status-json';
import { buildUpdateView } from '../../../src/cli/status/update-view';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSlots } from '../../../src/aws/store/node-slots';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import { AvailabilityProber } from '../../../src/local/fleet/availability-prober';
import { smallManifest, smallPolicy } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// api: 3 replicas, minHealthy 2 → one may be out at a time; web: 2 replicas, minHealthy 1, after api. web waits
// for api, which node-2's failure keeps from finishing, so node-4's outage never carries web's update: what the
// check after its rejoin sees is what its platform steps left (a carried update would restart web, ending the 503).
const inventory = parseInventory(`
nodes:
  - { id: node-1, services: [api, web] }
  - { id: node-2, services: [api] }
  - { id: node-3, services: [api] }
  - { id: node-4, services: [web] }
`);
const manifest = smallManifest({
  policy: smallPolicy({ canaryWatchSeconds: 1, maxFailedNodes: 1 }),
  // The second platform step restarts web where it runs (a config reload, say); on node-4 it comes back answering 503.
  platform: `  - { name: config, run: cu-node platform install config "$CU_RELEASE" }
  - { name: reload-web, run: "cu-node service start web || true" }`,
  services: `  - { name: api, minHealthy: 2, health: { http: /health, timeoutSeconds: 3 } }
  - { name: web, minHealthy: 1, dependsOn: [api], health: { http: /health, timeoutSeconds: 3 } }`,
});

describe('a failed node stays out and keeps counting', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ manifest, inventory });
  });
  afterAll(async () => harness?.stop());

  it('with maxFailedNodes 1, the next wave never takes api below minHealthy (measured at 20 Hz); a platform step leaving web at 503 fails its node', async () => {
    harness.fleet.injectFault({ kind: 'fail', operation: 'platform-install', name: 'config', node: 'node-2', message: 'config template error' });
    harness.fleet.injectFault({ kind: 'unhealthy', operation: 'service-start', name: 'web', node: 'node-4' });
    const prober = new AvailabilityProber({ fleet: harness.fleet, thresholds: { api: 2, web: 1 }, intervalMs: 50 });
    prober.start();
    const started = await harness.start({ updateId: 'failed-node-stays-out' });
    expect(started.plan.waves).toEqual([['node-2'], ['node-3'], ['node-4']]);
    const ended = await harness.finished(started.executionArn);
    const availability = await prober.stop();

    expect(ended.status, await harness.explain('failed-node-stays-out', ended)).toBe('FAILED');
    expect(availability.samples).toBeGreaterThan(50);
    expect(availability.violations).toEqual({});
    expect(availability.minimumAvailable.api).toBe(2);

    // The canary was watched after it rejoined (while serving), as a checkpoint, then checked again.
    const canary = new Map((await harness.checkpoints.query('failed-node-stays-out', { phase: 'canary' })).map((c) => [c.step, c]));
    expect(canary.get('watch')).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
    expect(canary.get('rejoin')!.endedAt! <= canary.get('watch')!.startedAt!).toBe(true);
    expect(canary.get('serving-health-api')!.startedAt! >= canary.get('watch')!.endedAt!).toBe(true);
    const wave = new Map((await harness.checkpoints.query('failed-node-stays-out', { phase: 'wave' })).map((c) => [`${c.target}/${c.step}`, c]));
    // node-2 failed and stays out of the cluster, its api slot held and marked failed.
    expect(wave.get('node-2/node')).toMatchObject({ status: 'FAILED' });
    expect((await harness.fleet.status()).find((n) => n.id === 'node-2')?.drained).toBe(true);
    const held = await new NodeSlots({ documents: harness.clients.documents, tableName: harness.runtime.tableName }).held('failed-node-stays-out', ['api', 'web']);
    expect(held.get('api')?.get('node-2')).toMatchObject({ holder: 'wave#0', failed: true });
    // ... and `status` says so: what the operator sees is read from the same slot items.
    const status = statusJson(buildUpdateView(await readUpdate(harness.target, 'failed-node-stays-out', { outages: true }), new Date()));
    expect(status.out).toContainEqual(expect.objectContaining({ service: 'api', node: 'node-2', failed: true }));
    // What the failed update leaves held is exactly its failed nodes, marked: nothing leaked.
    const leftHeld = [...held].flatMap(([service, entries]) => [...entries].map(([node, entry]) => `${service}@${node}:${entry.failed === true}`)).sort();
    expect(leftHeld).toEqual(['api@node-2:true', 'web@node-4:true']);
    // node-3 would have been api's second replica out: it was never drained. The scheduler takes node-4 first (its
    // outage carries nothing), then node-2, whose failure spends the failure budget: the rollout stops before it
    // decides anything about node-3, so node-3 has no record; had it decided, it would have recorded why.
    const node3 = wave.get('node-3/node');
    if (node3 !== undefined) expect(node3).toMatchObject({ status: 'SKIPPED', reason: expect.stringContaining('api is at its outage budget (1) with failed replicas out on node-2') });
    expect([...wave.keys()].filter((k) => k.startsWith('node-3/') && k !== 'node-3/node')).toEqual([]);
    expect(harness.count('drain', undefined, 'node-3')).toBe(0);
    // node-4's platform step left web answering 503: caught by the health check after its rejoin.
    expect(wave.get('node-4/health')).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/web: GET http:\/\/127\.0\.0\.1:\d+\/health answered 503/) });
    expect(wave.get('node-4/node')).toMatchObject({ status: 'FAILED' });
    expect(ended.cause).toContain('node-2');
  });
});

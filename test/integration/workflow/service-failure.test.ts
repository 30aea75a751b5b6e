import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import { SMALL_SERVICES, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// The small cluster with a second one-off, `index-migrate`, that `search` needs, and `query` that needs `search`:
// a failure of `index-migrate` skips `search` and, through it, `query`; `migrate`, `api` and `web` are still
// updated. The canary (node-1) hosts nothing that needs `index-migrate`, so the migration runs in the rollout.
const manifest = smallManifest({
  services: `${SMALL_SERVICES}
  - { name: index-migrate, oneOff: true, run: cu-node oneoff run index-migrate "$CU_RELEASE" }
  - { name: search, dependsOn: [index-migrate, api], minHealthy: 1, health: { http: /health } }
  - { name: query, dependsOn: [search], minHealthy: 1, health: { http: /health } }`,
});
const inventory = parseInventory(`
nodes:
  - { id: node-1, services: [api, web] }
  - { id: node-2, services: [api, web, search, query] }
  - { id: node-3, services: [web, search, query] }
`);

describe('a failed one-off migration, then resume', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ manifest, inventory });
  });
  afterAll(async () => harness?.stop());

  it('skips only the subgraph rooted at it, updates everything else, and resume runs only the failed and skipped services', async () => {
    harness.fleet.injectFault({ kind: 'fail', operation: 'oneoff-run', name: 'index-migrate', message: 'migration 42: duplicate key' });
    const started = await harness.start();
    expect(started.plan.canary).toBe('node-1');
    const failed = await harness.finished(started.executionArn);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('UpdatePartiallyFailed');
    expect(failed.cause).toBe('failed: index-migrate; skipped: query, search');
    const services = new Map((await harness.checkpoints.query(started.updateId, { phase: 'service' })).filter((c) => c.step === 'service').map((c) => [c.target, c]));
    expect(services.get('search')).toMatchObject({ status: 'SKIPPED', reason: 'skipped because index-migrate failed' });
    expect(services.get('query')).toMatchObject({ status: 'SKIPPED', reason: 'skipped because index-migrate failed' }); // the root of the subgraph
    for (const name of ['migrate', 'api', 'web']) expect(services.get(name)?.status, name).toBe('SUCCEEDED');
    // Platform waves are independent of the service DAG: every node got the new platform.
    expect((await harness.fleet.status()).every((n) => n.release === '7.2.0')).toBe(true);
    const searchReleases = (await harness.fleet.status()).flatMap((n) => n.services.filter((s) => s.name === 'search').map((s) => s.release));
    expect(new Set(searchReleases)).toEqual(new Set(['7.1.3']));

    const updatesBefore = harness.count('service-update', 'web');
    harness.fleet.clearFaults();
    const resumed = await harness.resume(started.updateId);
    expect(resumed.status).toBe('SUCCEEDED');
    expect(harness.count('service-update', 'web')).toBe(updatesBefore);
    expect(harness.count('oneoff-run', 'migrate')).toBe(1);
    expect(harness.count('oneoff-run', 'index-migrate')).toBe(1);
    expect(harness.count('service-update', 'search')).toBe(2);
    expect(harness.count('service-update', 'query')).toBe(2);
    const all = (await harness.fleet.status()).flatMap((n) => n.services);
    expect(all.every((s) => s.release === '7.2.0')).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import { WorkflowHarness } from './workflow-harness';

// The canary (node-1) hosts nothing that needs search-index-migrate-7-2, so the migration runs in the rollout.
const inventory = parseInventory(`
nodes:
  - { id: node-1, services: [coordinator, auth, cache, metrics-exporter, metadata, ingest, scheduler] }
  - { id: node-2, services: [coordinator, metadata, search, tql, query-planner, web-ui, metrics-exporter] }
  - { id: node-3, services: [coordinator, search, tql, scheduler, auth, metrics-exporter, alerting] }
  - { id: node-4, services: [metadata, search, ingest, query-planner, web-ui, metrics-exporter, cache] }
  - { id: node-5, services: [search, tql, query-planner, web-ui, ingest, metrics-exporter] }
`);

describe('a failed one-off migration, then resume', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ inventory });
  });
  afterAll(async () => harness?.stop());

  it('skips only the subgraph rooted at it, updates everything else, and resume runs only the failed and skipped services', async () => {
    harness.fleet.injectFault({ kind: 'fail', operation: 'oneoff-run', name: 'search-index-migrate-7-2', message: 'migration 42: duplicate key' });
    const started = await harness.start();
    expect(started.plan.canary).toBe('node-1');
    const failed = await harness.finished(started.executionArn);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('UpdatePartiallyFailed');
    expect(failed.cause).toBe('failed: search-index-migrate-7-2; skipped: alerting, query-planner, search, tql, web-ui');
    const services = new Map((await harness.checkpoints.query(started.updateId, { phase: 'service' })).filter((c) => c.step === 'service').map((c) => [c.target, c]));
    expect(services.get('search')).toMatchObject({ status: 'SKIPPED', reason: 'skipped because search-index-migrate-7-2 failed' });
    for (const name of ['coordinator', 'auth', 'cache', 'metrics-exporter', 'metadata', 'ingest', 'scheduler', 'metadata-migrate-7-2']) expect(services.get(name)?.status, name).toBe('SUCCEEDED');
    // Platform waves are independent of the service DAG: every node got the new platform.
    expect((await harness.fleet.status()).every((n) => n.release === '7.2.0')).toBe(true);
    const searchReleases = (await harness.fleet.status()).flatMap((n) => n.services.filter((s) => s.name === 'search').map((s) => s.release));
    expect(new Set(searchReleases)).toEqual(new Set(['7.1.3']));

    const updatesBefore = harness.count('service-update', 'coordinator');
    harness.fleet.clearFaults();
    const resumed = await harness.resume(started.updateId);
    expect(resumed.status).toBe('SUCCEEDED');
    expect(harness.count('service-update', 'coordinator')).toBe(updatesBefore);
    expect(harness.count('oneoff-run', 'metadata-migrate-7-2')).toBe(1);
    expect(harness.count('oneoff-run', 'search-index-migrate-7-2')).toBe(1);
    expect(harness.count('service-update', 'search')).toBe(4);
    const all = (await harness.fleet.status()).flatMap((n) => n.services);
    expect(all.every((s) => s.release === '7.2.0')).toBe(true);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildServiceGraph, descendants, topologicalLevels } from '../../../../src/core/dag/service-graph';
import { parseInventory } from '../../../../src/core/inventory/parse-inventory';
import { parseManifest } from '../../../../src/core/manifest/parse-manifest';
import { planUpdate } from '../../../../src/core/plan/plan-update';
import { canarySteps, canaryStepName } from '../../../../src/core/workflow/canary-steps';
import { decideLevel, summarize, type ServiceState } from '../../../../src/core/workflow/service-levels';

const root = join(__dirname, '../../../../examples/analytics-cluster');
const manifest = parseManifest(readFileSync(join(root, 'release-7.2.0.yaml'), 'utf8'));
const plan = planUpdate(manifest, parseInventory(readFileSync(join(root, 'inventory.yaml'), 'utf8')));

describe('canary steps', () => {
  it('drains, installs the platform in order, updates and checks its services in DAG order with the one-offs they need, rejoins, watches while serving, checks again', () => {
    const names = canarySteps(manifest, plan).map(canaryStepName);
    expect(names.slice(0, 5)).toEqual(['drain', 'platform-system-packages', 'platform-config', 'platform-python-packages', 'platform-node-agent']);
    const rejoin = names.indexOf('rejoin');
    expect(names[rejoin + 1]).toBe('watch');
    expect(names.slice(rejoin + 2)).toEqual(names.filter((n) => n.startsWith('health-')).map((n) => `serving-${n}`));
    expect(names.indexOf('health-search')).toBe(names.indexOf('service-search') + 1);
    // node-1 hosts metadata and search, which need both migrations; the migrations come before them.
    for (const [before, after] of [['oneoff-metadata-migrate-7-2', 'service-metadata'], ['service-metadata', 'oneoff-search-index-migrate-7-2'], ['oneoff-search-index-migrate-7-2', 'service-search'], ['service-search', 'service-tql']]) {
      expect(names.indexOf(before!)).toBeLessThan(names.indexOf(after!));
    }
    expect(names).not.toContain('service-ingest'); // not on the canary
    expect(names.filter((n) => n.startsWith('health-'))).toHaveLength(7);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('service levels', () => {
  const graph = buildServiceGraph(manifest.services);
  const order = topologicalLevels(graph).flat();

  it('a failed one-off migration skips exactly its dependents, naming it; everything else runs', () => {
    const states = new Map<string, ServiceState>(order.map((s) => [s, 'PENDING']));
    states.set('metadata-migrate-7-2', 'FAILED');
    const skipped = new Set<string>();
    for (const level of topologicalLevels(graph)) {
      // The migration fails when it runs; everything else that runs succeeds.
      const decision = decideLevel(level.filter((s) => s !== 'metadata-migrate-7-2'), graph, states, order);
      for (const { service, because } of decision.skip) {
        expect(because).toBe('metadata-migrate-7-2');
        states.set(service, 'SKIPPED');
        skipped.add(service);
      }
      for (const service of decision.run) states.set(service, 'UPDATED');
    }
    expect(skipped).toEqual(descendants(graph, 'metadata-migrate-7-2'));
    expect(states.get('coordinator')).toBe('UPDATED');
    expect(states.get('cache')).toBe('UPDATED');
    const summary = summarize(states);
    expect(summary.failed).toEqual(['metadata-migrate-7-2']);
    expect(summary.cause).toMatch(/^failed: metadata-migrate-7-2; skipped: .*search/);
  });

  it('on resume, updated services are left alone and those of an earlier run (passed as PENDING) run again', () => {
    const states = new Map<string, ServiceState>([['coordinator', 'UPDATED'], ['metadata-migrate-7-2', 'PENDING'], ['auth', 'PENDING']]);
    const decision = decideLevel(['auth', 'coordinator', 'metadata-migrate-7-2', 'metrics-exporter'], graph, states, order);
    expect(decision).toEqual({ run: ['auth', 'metadata-migrate-7-2', 'metrics-exporter'], skip: [], done: ['coordinator'], failed: [] });
  });

  it('a service that FAILED in this run (on the canary) is not run again within it', () => {
    const states = new Map<string, ServiceState>([['metadata-migrate-7-2', 'FAILED']]);
    const decision = decideLevel(['coordinator', 'metadata-migrate-7-2'], graph, states, order);
    expect(decision).toEqual({ run: ['coordinator'], skip: [], done: [], failed: ['metadata-migrate-7-2'] });
  });

  it('for any failure set, a service is skipped exactly when one of its ancestors failed', () => {
    fc.assert(
      fc.property(fc.subarray(order), (failed) => {
        const states = new Map<string, ServiceState>(failed.map((s) => [s, 'FAILED']));
        for (const level of topologicalLevels(graph)) {
          const decision = decideLevel(level.filter((s) => !failed.includes(s)), graph, states, order);
          for (const { service } of decision.skip) states.set(service, 'SKIPPED');
          for (const service of decision.run) states.set(service, 'UPDATED');
        }
        for (const service of order) {
          if (failed.includes(service)) continue;
          const shouldSkip = failed.some((f) => descendants(graph, f).has(service));
          expect(states.get(service)).toBe(shouldSkip ? 'SKIPPED' : 'UPDATED');
        }
      }),
      { numRuns: 200 },
    );
  });
});

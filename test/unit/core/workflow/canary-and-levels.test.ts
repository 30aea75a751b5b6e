import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServiceGraph, descendants, topologicalLevels } from '../../../../src/core/dag/service-graph';
import { parseInventory } from '../../../../src/core/inventory/parse-inventory';
import { parseManifest } from '../../../../src/core/manifest/parse-manifest';
import { planUpdate } from '../../../../src/core/plan/plan-update';
import { canarySteps, canaryStepName } from '../../../../src/core/workflow/canary-steps';
import { summarize, type ServiceState } from '../../../../src/core/workflow/service-levels';

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

describe('the update summary', () => {
  const graph = buildServiceGraph(manifest.services);
  const order = topologicalLevels(graph).flat();

  it('names the failed service first, then the skipped ones (the scheduler skips exactly its dependents)', () => {
    const skipped = descendants(graph, 'metadata-migrate-7-2');
    const states = new Map<string, ServiceState>(order.map((s) => [s, s === 'metadata-migrate-7-2' ? 'FAILED' : skipped.has(s) ? 'SKIPPED' : 'UPDATED']));
    const summary = summarize(states);
    expect(summary.failed).toEqual(['metadata-migrate-7-2']);
    expect(summary.skipped).toEqual([...skipped].sort());
    expect(summary.updated).toContain('coordinator');
    expect(summary.cause).toMatch(/^failed: metadata-migrate-7-2; skipped: .*search/);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../../src/core/inventory/parse-inventory';
import type { Inventory } from '../../../../src/core/inventory/schema';
import { parseManifest } from '../../../../src/core/manifest/parse-manifest';
import type { Manifest } from '../../../../src/core/manifest/schema';
import { makespanBound, outageScheduleBound, stopTheWorldSeconds, type StepDurations } from '../../../../src/core/plan/makespan-bound';
import { planUpdate } from '../../../../src/core/plan/plan-update';

const root = join(__dirname, '../../../../examples/analytics-cluster');
const example = parseManifest(readFileSync(join(root, 'release-7.2.0.yaml'), 'utf8'));
const exampleInventory = parseInventory(readFileSync(join(root, 'inventory.yaml'), 'utf8'));
const noWatch: Manifest = { ...example, policy: { ...example.policy, canaryWatchSeconds: 0 } };

/** Every platform step 2 s, every service update and one-off 3 s, hooks, drain, rejoin and health checks free. */
const fixed = (manifest: Manifest): StepDurations => ({
  platform: Object.fromEntries(manifest.platform.map((p) => [p.name, 2])),
  service: Object.fromEntries(manifest.services.map((s) => [s.name, 3])),
});
/** The example's six nodes, the pattern repeated `times` times (node-7 hosts what node-1 does, …). */
const repeated = (times: number): Inventory => ({
  nodes: Array.from({ length: times }, (_, r) => exampleInventory.nodes.map((n, i) => ({ ...n, id: `node-${r * exampleInventory.nodes.length + i + 1}` }))).flat(),
});
const manifest = (yaml: string) => parseManifest(`release: "2.0.0"\nprevious: "1.0.0"\ncluster: c\n${yaml}`);

describe('makespanBound', () => {
  it('bounds the example on 6 nodes by the canary chain and the service levels (68 s, as measured by hand)', () => {
    const bound = makespanBound(noWatch, planUpdate(noWatch, exampleInventory), fixed(noWatch));
    // canary node-1: 4 platform steps × 2 s + 2 one-offs and 7 services × 3 s
    expect(bound.canary.seconds).toBe(35);
    expect(bound.waves.seconds).toBe(24); // 5 nodes, maxInFlight 2 → 3 waves × 8 s
    expect(bound.serviceLevels.seconds).toBe(33); // auth and cache take 2 rounds (budget 1), ingest and search 2 (3 replicas, budget 2)
    expect(bound.rollout).toMatchObject({ seconds: 33, criticalBranch: 'service-levels' });
    expect(bound.total.seconds).toBe(68);
  });

  it('bounds the same pattern on 12 nodes by the platform waves (83 s)', () => {
    const inventory = repeated(2);
    const bound = makespanBound(noWatch, planUpdate(noWatch, inventory), fixed(noWatch));
    expect(bound.waves.seconds).toBe(48); // 11 nodes → 6 waves
    expect(bound.rollout.criticalBranch).toBe('waves');
    expect(bound.total.seconds).toBe(83);
  });

  it('counts the canary watch, the hooks, drain, rejoin and health checks when they take time', () => {
    const m = manifest(`
policy: { maxInFlight: 1, canaryWatchSeconds: 7 }
platform: [ { name: p, run: "true" } ]
services: [ { name: s, minHealthy: 1 } ]
hooks: { preUpdate: [ { name: a, run: "true" }, { name: b, run: "true" } ], postUpdate: [ { name: c, run: "true" } ] }`);
    const plan = planUpdate(m, { nodes: ['n1', 'n2', 'n3'].map((id) => ({ id, services: ['s'], healthy: true })) });
    const bound = makespanBound(m, plan, { platform: { p: 10 }, service: { s: 5 }, preHooks: { a: 1, b: 2 }, postHooks: { c: 4 }, drain: 1, rejoin: 1, health: 1 });
    expect(bound.preHooks).toEqual({ seconds: 3, steps: 2 });
    // drain 1 + p 10 + s 5 + health 1 + rejoin 1 + watch 7 + serving health 1
    expect(bound.canary).toEqual({ seconds: 26, steps: 7 });
    expect(bound.waves).toEqual({ seconds: 2 * 13, steps: 2 * 4 }); // 2 waves of drain, p, rejoin, health
    expect(bound.serviceLevels).toEqual({ seconds: 6, steps: 2 }); // budget 3 − 1 = 2, the canary's replica done: 1 round of the 2 left
    expect(bound.total.seconds).toBe(3 + 26 + 26 + 4);
  });

  it('takes rounds of at most the outage budget, leaves out unhealthy replicas, and honours the service concurrency', () => {
    const m = manifest(`
policy: { canary: n1 }
services: [ { name: x, minHealthy: 3 }, { name: y }, { name: z } ]`);
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map((id) => ({ id, services: id === 'n1' ? ['y', 'z'] : ['x', 'y', 'z'], healthy: id !== 'n6' }));
    const plan = planUpdate(m, { nodes });
    // x: n2–n5 healthy (n6 is not), budget 4 − 3 = 1 → 4 rounds; y and z: 4 replicas left each, budget 4 → 1 round
    expect(makespanBound(m, plan, { service: { x: 1, y: 3, z: 3 } }).serviceLevels.seconds).toBe(4);
    expect(makespanBound(m, plan, { service: { x: 1, y: 3, z: 3 } }, { serviceConcurrency: 1 }).serviceLevels.seconds).toBe(10);
  });
});

describe('stopTheWorldSeconds', () => {
  it('is the longest node: the canary of the example runs 4 platform steps, 7 services and both one-offs (35 s)', () => {
    expect(stopTheWorldSeconds(noWatch, planUpdate(noWatch, exampleInventory), fixed(noWatch))).toBe(35);
    expect(stopTheWorldSeconds(noWatch, planUpdate(noWatch, repeated(4)), fixed(noWatch))).toBe(35);
  });
});

describe('outageScheduleBound', () => {
  it('bounds the example on 6 nodes by the platform outages (24 s), below the workflow bound: no level barrier', () => {
    const plan = planUpdate(noWatch, exampleInventory);
    const bound = outageScheduleBound(noWatch, plan, fixed(noWatch));
    // chain coordinator 3 → metadata 3 → search 6 (2 rounds) → tql 3 → query-planner 3 → web-ui 3
    expect(bound).toMatchObject({ canary: 35, platform: 24, serviceChain: 21, rollout: 24, total: 59 });
    // auth: 2 replicas left (n3, n5), budget 1: 2 outages × 8 s + 2 updates × 3 s
    expect(bound.busiestBudget).toEqual({ service: 'auth', seconds: 22 });
    expect(bound.total).toBeLessThanOrEqual(makespanBound(noWatch, plan, fixed(noWatch)).total.seconds);
  });

  it('on 12 nodes is the platform outages: ⌈11 / 2⌉ × 8 s', () => {
    expect(outageScheduleBound(noWatch, planUpdate(noWatch, repeated(2)), fixed(noWatch))).toMatchObject({ platform: 48, rollout: 48, total: 83 });
  });
});

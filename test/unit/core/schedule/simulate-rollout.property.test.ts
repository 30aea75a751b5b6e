import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NoSafePlanError } from '../../../../src/core/errors';
import type { Inventory } from '../../../../src/core/inventory/schema';
import { toManifest } from '../../../../src/core/manifest/parse-manifest';
import { outageScheduleBound, type StepDurations } from '../../../../src/core/plan/makespan-bound';
import { planUpdate } from '../../../../src/core/plan/plan-update';
import type { Plan } from '../../../../src/core/plan/types';
import { simulateRollout, type SimulatedFailure } from '../../../../src/core/schedule';
import { rolloutViolations } from './rollout-invariants';
import { randomCluster } from '../random-cluster';

const MAX_SERVICES = 10;
const MAX_NODES = 16;
const PLATFORM_STEPS = ['packages', 'config', 'agent'];

/**
 * A random rollout: a DAG of services (edges only to earlier services, so no cycle), a placement with some
 * unhealthy nodes, random minHealthy and maxInFlight, random step durations (0 s included), random failures
 * (replica updates, platform steps, one-offs, a service on the canary), and now and then a service whose budget
 * is forced to 0 (a plan no failure-free run can finish: the scheduler must report it blocked, not hang).
 */
const rolloutArbitrary = fc
  .record({
    serviceCount: fc.integer({ min: 1, max: MAX_SERVICES }),
    nodeCount: fc.integer({ min: 1, max: MAX_NODES }),
    seedEdges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 25 }),
    placementSeed: fc.array(fc.array(fc.nat(), { maxLength: 5 }), { minLength: MAX_NODES, maxLength: MAX_NODES }),
    unhealthy: fc.array(fc.boolean(), { minLength: MAX_NODES, maxLength: MAX_NODES }),
    minHealthy: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: MAX_SERVICES, maxLength: MAX_SERVICES }),
    oneOff: fc.array(fc.boolean(), { minLength: MAX_SERVICES, maxLength: MAX_SERVICES }),
    maxInFlight: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom('25%', '50%', '100%')),
    platformSeconds: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: PLATFORM_STEPS.length, maxLength: PLATFORM_STEPS.length }),
    serviceSeconds: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: MAX_SERVICES, maxLength: MAX_SERVICES }),
    drain: fc.integer({ min: 0, max: 2 }),
    rejoin: fc.integer({ min: 0, max: 2 }),
    health: fc.integer({ min: 0, max: 2 }),
    replicaFailures: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 }),
    platformFailures: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 }),
    oneOffFailure: fc.option(fc.nat(), { freq: 5 }),
    canaryFailure: fc.option(fc.nat(), { freq: 6 }),
    zeroBudget: fc.option(fc.nat(), { freq: 8 }),
  })
  .map((r) => {
    const { names, deps, oneOff, nodes } = randomCluster(r);
    // minHealthy leaves at least one healthy replica to take out, so the planner seldom refuses.
    const healthyReplicas = (name: string) => nodes.filter((n) => n.healthy && n.services.includes(name)).length;
    const manifest = toManifest({
      release: '2.0.0',
      previous: '1.0.0',
      cluster: 'prop',
      policy: { maxInFlight: r.maxInFlight },
      platform: PLATFORM_STEPS.map((name) => ({ name, run: 'x' })),
      services: names.map((name, i) =>
        oneOff[i] ? { name, oneOff: true, run: 'x', dependsOn: [...deps[i]!] } : { name, dependsOn: [...deps[i]!], minHealthy: Math.min(r.minHealthy[i]!, Math.max(0, healthyReplicas(name) - 1)) },
      ),
    });
    const inventory: Inventory = { nodes };
    const durations: StepDurations = {
      platform: Object.fromEntries(PLATFORM_STEPS.map((p, i) => [p, r.platformSeconds[i]!])),
      service: Object.fromEntries(names.map((n, i) => [n, r.serviceSeconds[i]!])),
      drain: r.drain,
      rejoin: r.rejoin,
      health: r.health,
    };
    const pick = <T>(list: readonly T[], k: number): T | undefined => (list.length === 0 ? undefined : list[k % list.length]);
    const longRunning = names.filter((_, i) => !oneOff[i]);
    const failures: SimulatedFailure[] = [];
    for (const [s, n] of r.replicaFailures) {
      const service = pick(longRunning, s);
      const node = service && pick(nodes.filter((x) => x.services.includes(service)), n);
      if (service && node) failures.push({ kind: 'replica', service, node: node.id });
    }
    for (const [n, p] of r.platformFailures) failures.push({ kind: 'platform', node: pick(nodes, n)!.id, step: p % 4 === 0 ? 'drain' : PLATFORM_STEPS[p % PLATFORM_STEPS.length]! });
    const oneOffFailed = r.oneOffFailure === null ? undefined : pick(names.filter((_, i) => oneOff[i]), r.oneOffFailure);
    if (oneOffFailed) failures.push({ kind: 'one-off', service: oneOffFailed });
    const canaryFailed = r.canaryFailure === null ? undefined : pick(names, r.canaryFailure);
    const zeroBudget = r.zeroBudget === null ? undefined : pick(longRunning, r.zeroBudget);
    return { manifest, inventory, durations, failures, canaryFailed, zeroBudget };
  });

describe('simulateRollout (properties)', () => {
  it('every run keeps every budget, maxInFlight, one actor per node and DAG order; updates each replica and node once; skips exactly what a failure reaches; and ends', () => {
    let planned = 0;
    fc.assert(
      fc.property(rolloutArbitrary, ({ manifest, inventory, durations, failures, canaryFailed, zeroBudget }) => {
        let plan: Plan;
        try {
          plan = planUpdate(manifest, inventory);
        } catch (error) {
          if (error instanceof NoSafePlanError) return; // a legitimate refusal, covered by the planner's tests
          throw error;
        }
        planned += 1;
        // A budget forced to 0 on a service the canary does not host (the canary took one replica out already).
        if (zeroBudget !== undefined && !plan.placement[zeroBudget]!.includes(plan.canary)) plan = { ...plan, outageBudget: { ...plan.outageBudget, [zeroBudget]: 0 } };
        // A service fails on the canary only if the canary runs it.
        const canaryFailedServices = canaryFailed !== undefined && (plan.placement[canaryFailed]?.includes(plan.canary) || plan.oneOffNodes[canaryFailed] === plan.canary) ? [canaryFailed] : [];
        const run = simulateRollout(manifest, plan, durations, { failures, canaryFailedServices });
        expect(run.final.finished).toBe(true);
        expect(rolloutViolations(manifest, plan, run, canaryFailedServices)).toEqual([]);
        for (const [service, peak] of Object.entries(run.peakOut)) expect(peak).toBeLessThanOrEqual(plan.outageBudget[service]!);
        // Without failures or forced budgets nothing is blocked or skipped.
        if (failures.length === 0 && canaryFailedServices.length === 0 && Object.values(plan.outageBudget).every((b) => b > 0)) {
          expect(run.final).toMatchObject({ blocked: [], skipped: [] });
          // … and the run takes at least the schedule's lower bound (which a failure can undercut: it skips work).
          expect(run.makespanSeconds).toBeGreaterThanOrEqual(outageScheduleBound(manifest, plan, durations).total - 1e-9);
        }
        expect(simulateRollout(manifest, plan, durations, { failures, canaryFailedServices })).toEqual(run);
      }),
      { numRuns: 500 },
    );
    expect(planned).toBeGreaterThan(400);
  });
});

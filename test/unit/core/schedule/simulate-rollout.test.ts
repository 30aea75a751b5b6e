import { describe, expect, it } from 'vitest';
import { toManifest } from '../../../../src/core/manifest/parse-manifest';
import { makespanBound, outageScheduleBound, type StepDurations } from '../../../../src/core/plan/makespan-bound';
import { planUpdate } from '../../../../src/core/plan/plan-update';
import type { Plan } from '../../../../src/core/plan/types';
import { simulateRollout } from '../../../../src/core/schedule';
import { durationsFromSleeps, fixedDurationManifest, repeatedInventory } from '../../../fixtures/analytics-cluster';
import { rolloutViolations } from './rollout-invariants';

const manifest = fixedDurationManifest();
const durations = durationsFromSleeps(manifest); // platform steps 2 s, service updates and one-offs 3 s, the rest 0 s

describe('simulateRollout on the example cluster (platform steps 2 s, service updates 3 s)', () => {
  // Measured: 6 nodes 72 s (bound 68), 12 nodes 83 s (83), 24 nodes 131 s (131). With carried updates holding
  // the platform places and service work on the next wave's nodes, 12 and 24 nodes took 87 and 134 s.
  it.each([
    [6, 72, 68, 59],
    [12, 83, 83, 83],
    [24, 131, 131, 131],
  ])('%i nodes: %i s, within 1.15× the workflow bound (%i s) and above the schedule bound (%i s)', (nodes, expected, workflowBound, scheduleBound) => {
    const plan = planUpdate(manifest, repeatedInventory(nodes));
    const run = simulateRollout(manifest, plan, durations);
    expect(makespanBound(manifest, plan, durations).total.seconds).toBe(workflowBound);
    expect(outageScheduleBound(manifest, plan, durations).total).toBe(scheduleBound);
    expect(run.makespanSeconds).toBe(expected);
    expect(run.makespanSeconds / workflowBound).toBeLessThanOrEqual(1.15);
    expect(run.makespanSeconds).toBeGreaterThanOrEqual(scheduleBound);
    expect(rolloutViolations(manifest, plan, run)).toEqual([]);
    expect(run.final).toMatchObject({ finished: true, blocked: [], skipped: [] });
    for (const [service, peak] of Object.entries(run.peakOut)) expect(peak).toBeLessThanOrEqual(plan.outageBudget[service]!);
  });

  it('decides the same way every time', () => {
    const plan = planUpdate(manifest, repeatedInventory(12));
    expect(simulateRollout(manifest, plan, durations)).toEqual(simulateRollout(structuredClone(manifest), structuredClone(plan), durations));
  });

  it('starts a service as soon as its own dependencies are done, without waiting for its level', () => {
    // cache depends on coordinator only; search-index-migrate-7-2 (the same level as coordinator's dependents)
    // ran on the canary. cache must start before every level-1 service (metadata, …) has finished.
    const plan = planUpdate(manifest, repeatedInventory(6));
    const run = simulateRollout(manifest, plan, durations);
    const firstStart = (service: string) => run.timeline.find((e) => e.kind === 'step-start' && e.service === service)!.at;
    const lastEnd = (service: string) => Math.max(...run.timeline.filter((e) => e.kind === 'step-end' && e.service === service).map((e) => e.at));
    const level = plan.serviceOrder.findIndex((l) => l.includes('cache'));
    const previousLevelEnd = Math.max(...plan.serviceOrder[level - 1]!.filter((s) => run.timeline.some((e) => e.kind === 'step-end' && e.service === s)).map(lastEnd));
    expect(firstStart('cache')).toBeLessThan(previousLevelEnd);
  });

  it('a failed service skips only its dependents; the others are updated everywhere', () => {
    const plan = planUpdate(manifest, repeatedInventory(12));
    const run = simulateRollout(manifest, plan, durations, { failures: [{ kind: 'replica', service: 'tql', node: 'node-3' }] });
    expect(run.progress.servicesFailed).toEqual(['tql']);
    expect(run.final.skipped.map((s) => s.service).sort()).toEqual(['alerting', 'query-planner', 'web-ui']);
    expect(run.final.skipped.every((s) => s.because === 'tql')).toBe(true);
    expect(rolloutViolations(manifest, plan, run)).toEqual([]);
    // The failed replica stays out: tql's budget (4 of 6 replicas) keeps counting it until the end.
    const failedAt = run.timeline.findIndex((e) => e.kind === 'service-failed');
    expect(run.timeline[failedAt]).toMatchObject({ node: 'node-3', service: 'tql' });
    expect(run.timeline.slice(failedAt).some((e) => e.kind === 'release' && e.node === 'node-3' && e.back.includes('tql'))).toBe(false);
  });

  it('a node whose platform fails stays out; what it hosts and has not updated is blocked, with the reason', () => {
    const plan = planUpdate(manifest, repeatedInventory(6));
    const run = simulateRollout(manifest, plan, durations, { failures: [{ kind: 'platform', node: 'node-5', step: 'config' }] });
    expect(run.progress.failedNodes).toEqual(['node-5']);
    expect(rolloutViolations(manifest, plan, run)).toEqual([]);
    for (const b of run.final.blocked) expect(b.reason).toMatch(/node-5/);
    expect(run.final.finished).toBe(true);
  });
});

describe('simulateRollout on small clusters', () => {
  const small = (yaml: string): ReturnType<typeof toManifest> => toManifest(JSON.parse(yaml));

  it('a node whose two services have an outage budget of 0 is reported blocked with both reasons, not waited for', () => {
    const m = small(JSON.stringify({ release: '2.0.0', cluster: 'c', policy: { canary: 'n1' }, services: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }));
    const inventory = { nodes: [{ id: 'n1', services: ['c'], healthy: true }, { id: 'n2', services: ['a', 'b', 'c'], healthy: true }, { id: 'n3', services: ['c'], healthy: true }] };
    const planned = planUpdate(m, inventory);
    const plan: Plan = { ...planned, outageBudget: { ...planned.outageBudget, a: 0, b: 0 } }; // as if minHealthy were 1 for each
    const run = simulateRollout(m, plan, { service: { a: 1, b: 1, c: 1 }, platform: {} });
    expect(run.final.finished).toBe(true);
    expect(run.final.blocked).toContainEqual({ kind: 'node', node: 'n2', reason: expect.stringMatching(/a has an outage budget of 0.*b has an outage budget of 0/) });
    expect(run.final.blocked.filter((b) => b.kind === 'service').map((b) => b.kind === 'service' && b.service)).toEqual(['a', 'b']);
    expect(rolloutViolations(m, plan, run)).toEqual([]);
    expect([...run.progress.platformDone].sort()).toEqual(['n1', 'n3']);
  });

  it('carries a ready service in its node platform outage instead of a second outage', () => {
    const m = small(JSON.stringify({ release: '2.0.0', cluster: 'c', policy: { canary: 'n1', maxInFlight: 1 }, platform: [{ name: 'p', run: 'x' }], services: [{ name: 's', minHealthy: 2 }] }));
    const inventory = { nodes: ['n1', 'n2', 'n3'].map((id) => ({ id, services: ['s'], healthy: true })) };
    const plan = planUpdate(m, inventory); // budget 1: one replica out at a time
    const durations: StepDurations = { platform: { p: 5 }, service: { s: 1 } };
    const run = simulateRollout(m, plan, durations);
    const claims = run.timeline.flatMap((e) => (e.kind === 'claim' ? [e.claim] : []));
    expect(claims).toEqual([
      { kind: 'platform', node: 'n2', out: ['s'], updates: ['s'] },
      { kind: 'platform', node: 'n3', out: ['s'], updates: ['s'] },
    ]);
    expect(run.phases.rollout).toBe(12);
    expect(run.peakOut).toEqual({ s: 1 });
    expect(rolloutViolations(m, plan, run)).toEqual([]);
  });
});

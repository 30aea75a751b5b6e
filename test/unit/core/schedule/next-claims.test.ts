import { describe, expect, it } from 'vitest';
import { toManifest } from '../../../../src/core/manifest/parse-manifest';
import { planUpdate } from '../../../../src/core/plan/plan-update';
import { nextClaims, progressAfterCanary, rolloutModel, type Claim } from '../../../../src/core/schedule';

/**
 * n1 is the canary. a (no dependencies) on n1–n4, minHealthy 2 → budget 2; b dependsOn a, on n1–n3, budget 2.
 * maxInFlight 1.
 */
const manifest = toManifest({
  release: '2.0.0',
  cluster: 'c',
  policy: { canary: 'n1', maxInFlight: 1 },
  platform: [{ name: 'p', run: 'x' }],
  services: [{ name: 'a', minHealthy: 2 }, { name: 'b', dependsOn: ['a'], minHealthy: 1 }],
});
const inventory = {
  nodes: [
    { id: 'n1', services: ['a', 'b'], healthy: true },
    { id: 'n2', services: ['a', 'b'], healthy: true },
    { id: 'n3', services: ['a', 'b'], healthy: true },
    { id: 'n4', services: ['a'], healthy: true },
  ],
};
const plan = planUpdate(manifest, inventory);
const model = rolloutModel(manifest, plan, { platform: { p: 10 }, service: { a: 1, b: 1 } });
const start = progressAfterCanary(manifest, plan);

describe('nextClaims', () => {
  it('starts from the canary: its platform and replicas are done', () => {
    expect(start).toEqual({ platformDone: ['n1'], failedNodes: [], replicasDone: { a: ['n1'], b: ['n1'] }, replicasFailed: {}, servicesFailed: [], oneOffsRan: [] });
  });

  it('gives the critical platform branch (30 s of waves left) its node and the next: n2 carries nothing, n3 waits for the wave, a fills its budget on n4', () => {
    const decision = nextClaims(model, start, []);
    // Carrying a would hold the one platform place 1 s longer while n3 and n4 wait behind it; a (budget 2 > maxInFlight
    // 1) can be updated beside the waves instead. n3, the next wave's node, is kept free for it.
    expect(decision.claims).toEqual<Claim[]>([
      { kind: 'platform', node: 'n2', out: ['a', 'b'], updates: [] },
      { kind: 'replica', node: 'n4', service: 'a' },
    ]);
    expect(decision).toMatchObject({ skipped: [], blocked: [], finished: false });
  });

  it('carries a ready service when nothing waits behind the outage', () => {
    // The last platform node: its outage delays no wave, so a goes with it (no second outage of n4's replica).
    const last = { ...start, platformDone: ['n1', 'n2', 'n3'], replicasDone: { a: ['n1', 'n2', 'n3'], b: ['n1', 'n2', 'n3'] } };
    expect(nextClaims(model, last, []).claims).toEqual<Claim[]>([{ kind: 'platform', node: 'n4', out: ['a'], updates: ['a'] }]);
  });

  it('keeps maxInFlight, the budgets and one actor per node with the claims in force', () => {
    const inForce: Claim[] = [{ kind: 'platform', node: 'n2', out: ['a', 'b'], updates: ['a'] }, { kind: 'replica', node: 'n3', service: 'a' }];
    // a has 2 out (its budget), b 1 of 2: nothing else fits; n4 would take a third replica of a out.
    expect(nextClaims(model, start, inForce).claims).toEqual([]);
  });

  it('does not start b before every replica of a is done', () => {
    const progress = { ...start, platformDone: ['n1', 'n2'], replicasDone: { a: ['n1', 'n2', 'n3'], b: ['n1'] } };
    const decision = nextClaims(model, progress, []);
    expect(decision.claims.some((c) => c.kind === 'replica' && c.service === 'b')).toBe(false);
    expect(decision.claims).toContainEqual({ kind: 'platform', node: 'n3', out: ['a', 'b'], updates: [] });
    // Once a is done everywhere, b goes: the one platform place goes to the outage carrying the least (n4 has
    // nothing left to update), b's replicas to the free nodes but n3, kept for the next (and last) wave, which will
    // carry b there.
    const allOfA = nextClaims(model, { ...progress, replicasDone: { a: ['n1', 'n2', 'n3', 'n4'], b: ['n1'] } }, []);
    expect(allOfA.claims).toEqual([
      { kind: 'platform', node: 'n4', out: ['a'], updates: [] },
      { kind: 'replica', node: 'n2', service: 'b' },
    ]);
  });

  it('counts a failed replica as out, skips the failed service dependents, and decides the same way twice', () => {
    const progress = { ...start, replicasFailed: { a: ['n2'] }, servicesFailed: ['a'] };
    const decision = nextClaims(model, progress, []);
    expect(decision.skipped).toEqual([{ service: 'b', because: 'a' }]);
    // a's replica on n2 is out for good: n2's platform outage takes no more of a out, so it goes first.
    expect(decision.claims).toEqual([{ kind: 'platform', node: 'n2', out: ['a', 'b'], updates: [] }]);
    // With n2's outage in force, a has 1 of 2 out: n3's outage would fit a, but maxInFlight is 1.
    expect(nextClaims(model, progress, decision.claims).claims).toEqual([]);
    expect(nextClaims(model, structuredClone(progress), [])).toEqual(decision);
  });

  it('a failed node stays out: what it hosts and has not done is blocked, its dependents skipped, and the rollout finishes', () => {
    const progress = { ...start, platformDone: ['n1', 'n3', 'n4'], failedNodes: ['n2'], replicasDone: { a: ['n1', 'n3', 'n4'], b: ['n1', 'n3'] } };
    const decision = nextClaims(model, progress, []);
    expect(decision.blocked).toEqual([
      { kind: 'service', service: 'a', reason: 'its replica is on failed node n2' },
    ]);
    expect(decision.skipped).toEqual([{ service: 'b', because: 'a' }]);
    expect(decision).toMatchObject({ claims: [], finished: true });
  });
});

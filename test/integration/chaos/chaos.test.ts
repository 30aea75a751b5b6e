import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../chaos/run-chaos';

const examples = join(__dirname, '../../../examples/analytics-cluster');
const small = join(__dirname, '../../fixtures/chaos-small');

/**
 * The short fixed-seed chaos run of issue #14 (the full one is
 * `npm run chaos -- --runs 50`): random faults at random moments, the
 * operator clears them and resumes, and observers outside the workflow check
 * availability, exactly-once, convergence, one actor, nothing left behind and
 * history limits. The fixed seeds run on a four-node cluster (test/fixtures/chaos-small) to stay short; the
 * kept seeds on the example cluster they were found on.
 */
describe('chaos, fixed seeds', () => {
  it('every run converges and every invariant holds', async () => {
    const lines: string[] = [];
    const summary = await runChaos({
      runs: 3,
      // Seeds 2–4: a task crash with a failing service update, DynamoDB conflicts with `stop --now` (a resume),
      // a failing hook with SSM throttling — about 70 s together. Seed 1 draws a Lambda timeout, which costs a
      // whole 80 s function timeout; the 50-run campaign and task-faults.test.ts cover it.
      seed: 2,
      manifest: join(small, 'release.yaml'),
      inventory: join(small, 'inventory.yaml'),
      catalogue: { faults: { min: 1, max: 2 }, windowMs: 10_000 },
      log: (line) => lines.push(line),
    });
    const broken = summary.records.filter((r) => !r.held).map((r) => `${r.seed}: ${Object.entries(r.invariants).filter(([, v]) => !v.held).map(([k, v]) => `${k} ${JSON.stringify(v.evidence).slice(0, 400)}`).join('; ')} (faults: ${r.faults.join(', ')})`);
    expect(broken, lines.filter((l) => l.startsWith('chaos:')).join('\n')).toEqual([]);
    expect(summary.line).toBe('chaos: 3/3 converged, invariants held in 3/3');
  }, 600_000);

  // The seeds of `npm run chaos` that found a defect, kept as they ran there (the default catalogue). Seeds 9
  // and 30 broke availability: applying or clearing any fault started every node, and starting a node that was
  // up restarted all its replicas behind the workflow's back (fixed in the fleet and the harness). Seed 32 (a
  // service failed on the canary, then `stop --now`) has its own test, canary-failure-redrive.test.ts.
  it('the kept seeds that found a defect hold', async () => {
    const lines: string[] = [];
    const summary = await runChaos({ runs: 2, seed: 0, seeds: [9, 30], manifest: join(examples, 'release-7.2.0.yaml'), inventory: join(examples, 'inventory.yaml'), log: (line) => lines.push(line) });
    const broken = summary.records.filter((r) => !r.held).map((r) => `${r.seed}: ${Object.entries(r.invariants).filter(([, v]) => !v.held).map(([k, v]) => `${k} ${JSON.stringify(v.evidence).slice(0, 600)}`).join('; ')}`);
    expect(broken, lines.filter((l) => l.startsWith('chaos:')).join('\n')).toEqual([]);
    expect(summary.line).toBe('chaos: 2/2 converged, invariants held in 2/2');
  }, 900_000);
});

import { describe, expect, it } from 'vitest';
import { CliHarness, type StatusJson } from './cli-harness';

/** `npm start` runs `cluster-update demo`: the README's quick start must keep working. */
describe('cluster-update demo (npm start)', () => {
  it('brings up the local runtime, updates the simulated cluster to the end, prints the outcome and exits 0', async () => {
    const cli = new CliHarness('/nonexistent-run-dir-demo-does-not-use');
    const demo = await cli.run(['demo', '--json']);
    expect(demo.code, demo.stderr).toBe(0);
    const outcome = JSON.parse(demo.stdout) as StatusJson;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.nodes.map((n) => [n.release, n.state])).toEqual(Array(6).fill(['7.2.0', 'UPDATED']));
    expect(outcome.services).toHaveLength(14);
    expect(outcome.services.every((s) => s.state === 'UPDATED' && s.release === '7.2.0')).toBe(true);
  });
});

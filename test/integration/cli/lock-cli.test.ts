import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_STEPS, smallManifestYaml, writeSmallCluster } from '../workflow/small-cluster';
import { CliHarness } from './cli-harness';

const LEASE_SECONDS = 4;

/**
 * The reproduction as an operator meets it: `local up` with a short
 * LEASE_SECONDS in its environment, a canary step three leases long, and a
 * second `start` of another release while it runs.
 */
describe('one update at a time, from the command line', () => {
  let runDirectory: string;
  let cli: CliHarness;

  beforeAll(async () => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-lock-cli-'));
    cli = new CliHarness(runDirectory);
    // The small cluster with the example's platform steps and hooks; its canary watch (one Wait of
    // canaryWatchSeconds) is 0 s, under a quarter of the lease.
    const up = await cli.run(['local', 'up', '--no-persistent', ...writeSmallCluster(runDirectory)], 150_000, { LEASE_SECONDS: String(LEASE_SECONDS) });
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    await cli?.run(['local', 'down']);
    rmSync(runDirectory, { recursive: true, force: true });
  });

  it('a second start during a canary step 3× the lease exits 2 naming the RUNNING holder, unlock --force is refused, and the first update succeeds', { timeout: 900_000 }, async () => {
    // The canary's first step (drain) takes three leases, so the second start lands inside it.
    expect((await cli.run(['local', 'fault', 'slow', '--operation', 'drain', '--node', 'node-1', '--delay-ms', String(3 * LEASE_SECONDS * 1000)])).code).toBe(0);
    const first = await cli.run(['start', '--update-id', 'a']);
    expect(first.code, first.stderr).toBe(0);
    await cli.waitFor('a', (s) => s.phase === 'canary', 120_000);
    await new Promise((r) => setTimeout(r, 2 * LEASE_SECONDS * 1000)); // longer than the lease the step's invocation started with

    const next = join(runDirectory, 'release-7.3.0.yaml');
    writeFileSync(next, smallManifestYaml({ ...EXAMPLE_STEPS, release: '7.3.0', previous: '7.2.0' }));
    const second = await cli.run(['start', '-m', next, '--update-id', 'b']);
    expect(second.code, second.stdout).toBe(2);
    expect(second.stderr).toMatch(/lock held by update a \(execution RUNNING since \d{4}-\d\d-\d\dT[^)]*\)/);

    const unlock = await cli.run(['unlock', '--force']);
    expect(unlock.code).toBe(2);
    expect(unlock.stderr).toContain('`cluster-update stop a --now` first');

    await cli.run(['local', 'fault', 'clear']);
    const watched = await cli.run(['status', 'a', '--watch'], 600_000);
    expect(watched.code, watched.stdout.slice(-2000)).toBe(0);
    expect((await cli.status('a')).status).toBe('SUCCEEDED');
    const all = JSON.parse((await cli.run(['status', '--all', '--json'])).stdout) as { updateId: string }[];
    expect(all.map((u) => u.updateId)).toEqual(['a']); // b touched nothing
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FleetOperation } from '../../../src/local/fleet/fleet-fault';
import type { LocalState } from '../../../src/local/local-state';
import { findRunProcesses } from '../../../src/local/run-processes';
import { EXAMPLE_PLATFORM_STEPS, smallInventory, writeSmallCluster } from '../workflow/small-cluster';
import { CliHarness } from './cli-harness';

/**
 * An update whose execution Step Functions no longer knows (ExecutionDoesNotExist: on AWS after the 90-day
 * retention; here a run directory whose journal was lost) can still be shown and resumed (issue #17, item 5):
 * `status` says INTERRUPTED and what to do; `resume` starts a new execution under the same update id, takes over
 * the lock of the execution that no longer exists (it is not RUNNING), and redoes nothing.
 */
describe('an update whose execution is gone', () => {
  const runDirectory = mkdtempSync(join(tmpdir(), 'cu-gone-'));
  const cli = new CliHarness(runDirectory);
  afterAll(async () => {
    await cli.run(['local', 'down']);
    for (const leftover of findRunProcesses(runDirectory)) process.kill(leftover.pid, 'SIGKILL');
    rmSync(runDirectory, { recursive: true, force: true });
  });

  it('is shown as INTERRUPTED with the resume hint, and resume finishes it without redoing a step', async () => {
    const smallCluster = writeSmallCluster(runDirectory);
    expect((await cli.run(['local', 'up', ...smallCluster])).code).toBe(0);
    const first = JSON.parse(readFileSync(join(runDirectory, 'state.json'), 'utf8')) as LocalState;
    expect((await cli.run(['start', '--update-id', 'gone-1'])).code).toBe(0);
    await cli.waitFor('gone-1', (s) => s.phase === 'rollout', 120_000);
    process.kill(first.pid, 'SIGKILL');
    rmSync(join(runDirectory, 'executions'), { recursive: true, force: true }); // what Step Functions forgot
    expect((await cli.run(['local', 'up', ...smallCluster])).code).toBe(0);

    const status = await cli.run(['status', 'gone-1']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('INTERRUPTED');
    expect(status.stdout).toContain('cluster-update resume gone-1');
    expect(status.stderr).toBe('');

    const resumed = await cli.run(['resume', 'gone-1', '--watch'], 300_000);
    expect(resumed.stderr).not.toMatch(/^\s+at /m);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await cli.status('gone-1')).status).toBe('SUCCEEDED');
    const operations = (await (await fetch(`${first.endpoints.fleet}/operations`)).json()) as FleetOperation[];
    const installs = operations.filter((o) => o.ok && o.operation === 'platform-install').map((o) => `${o.node} ${o.name} ${o.release}`);
    expect(installs.length).toBe(new Set(installs).size);
    expect(installs).toHaveLength(smallInventory().nodes.length * EXAMPLE_PLATFORM_STEPS.length);
  }, 600_000);
});

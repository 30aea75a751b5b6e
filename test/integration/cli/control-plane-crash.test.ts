import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AvailabilityProber } from '../../../src/local/fleet/availability-prober';
import type { FleetOperation } from '../../../src/local/fleet/fleet-fault';
import type { LocalState } from '../../../src/local/local-state';
import { isListening } from '../../../src/local/port-check';
import { findRunProcesses } from '../../../src/local/run-processes';
import { EXAMPLE_STEPS, smallInventory, smallManifest, writeSmallCluster } from '../workflow/small-cluster';
import { CliHarness } from './cli-harness';

// The small cluster with the example's platform steps and hooks (what `writeSmallCluster` gives `local up`).
const manifest = smallManifest(EXAMPLE_STEPS);
const inventory = smallInventory();
const state = (runDirectory: string): LocalState & { fleetPid?: number } => JSON.parse(readFileSync(join(runDirectory, 'state.json'), 'utf8')) as LocalState;
// The java process itself, not its lifeline wrapper (whose arguments name the jar too).
const javaProcesses = (runDirectory: string) => findRunProcesses(runDirectory).filter((p) => /(^|\/)java$/.test(p.command[0] ?? '') && p.command.some((arg) => arg.endsWith('DynamoDBLocal.jar')));

/**
 * The control plane dies mid-update and nothing is lost (issue #17): `kill -9`
 * of `local serve` during the rollout, then `local up` again. Step Functions on
 * AWS is a durable orchestrator; the local one must be too.
 */
describe('a crash of the local control plane mid-update', () => {
  const runDirectory = mkdtempSync(join(tmpdir(), 'cu-crash-'));
  const cli = new CliHarness(runDirectory);
  const endpoints = new Set<string>();

  afterAll(async () => {
    // What the two background processes said, for whoever reads a failure of this test.
    for (const log of ['local.log', 'fleet.log']) process.stdout.write(`--- ${log}\n${(() => { try { return readFileSync(join(runDirectory, log), 'utf8'); } catch { return ''; } })()}`);
    await cli.run(['local', 'down']);
    for (const leftover of findRunProcesses(runDirectory)) process.kill(leftover.pid, 'SIGKILL');
    rmSync(runDirectory, { recursive: true, force: true });
  });

  it('costs time, nothing else: the update ends SUCCEEDED, every (node, step) ran once, services stayed available, nothing is left after local down', async () => {
    const smallCluster = writeSmallCluster(runDirectory);
    const up = await cli.run(['local', 'up', ...smallCluster]);
    expect(up.code, up.stderr).toBe(0);
    const first = state(runDirectory);
    for (const url of Object.values(first.endpoints)) endpoints.add(url);
    const thresholds = Object.fromEntries(manifest.services.filter((s) => !s.oneOff).map((s) => [s.name, s.minHealthy]));
    const prober = new AvailabilityProber({ fleet: first.endpoints.fleet, thresholds, intervalMs: 100 });
    prober.start();

    // node-3's platform steps take 2 s more each: on three nodes the update would otherwise be nearly over by the
    // time the crash lands, and the crash must land while work remains.
    expect((await cli.run(['local', 'fault', 'slow', '--operation', 'platform-install', '--node', 'node-3', '--delay-ms', '2000'])).code).toBe(0);
    expect((await cli.run(['start', '--update-id', 'crash-1'])).code).toBe(0);
    await cli.waitFor('crash-1', (s) => s.phase === 'rollout' && s.nodes.some((n) => n.state === 'UPDATED' && n.id !== undefined) && s.services.some((x) => x.state === 'UPDATED'), 120_000);
    process.kill(first.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1_500));

    // The control plane is gone: a command says so in one line, without a stack trace, and names the next step.
    const whileDown = await cli.run(['status', 'crash-1']);
    expect(whileDown.code).toBe(2);
    expect(whileDown.stderr.trim().split('\n')).toHaveLength(1);
    expect(whileDown.stderr).toMatch(/local runtime .* not running.*local up/);
    expect(whileDown.stderr).not.toMatch(/\n\s+at /);

    // No child of the dead control plane is left (DynamoDB Local included); the fleet keeps serving.
    expect(javaProcesses(runDirectory)).toEqual([]);
    const nodesWhileDown = (await (await fetch(`${first.endpoints.fleet}/nodes`)).json()) as { services: { running: boolean }[] }[];
    expect(nodesWhileDown.flatMap((n) => n.services).every((s) => s.running)).toBe(true);

    const again = await cli.run(['local', 'up', ...smallCluster]);
    expect(again.code, again.stderr).toBe(0);
    const restartedAt = new Date().toISOString();
    const second = state(runDirectory);
    for (const url of Object.values(second.endpoints)) endpoints.add(url);
    expect(second.endpoints.fleet).toBe(first.endpoints.fleet); // re-attached to the live fleet
    expect(second.fleetPid).toBe(first.fleetPid);

    const done = await cli.waitFor('crash-1', (s) => s.status !== 'RUNNING', 240_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.nodes.map((n) => n.release)).toEqual(Array(inventory.nodes.length).fill('7.2.0'));
    const report = await prober.stop();
    expect(report.samples).toBeGreaterThan(50);
    expect(report.violations).toEqual({});

    // Every (node, step) ran once, as the nodes themselves recorded it (the fleet outlived the crash, so its log is whole).
    const operations = (await (await fetch(`${second.endpoints.fleet}/operations`)).json()) as FleetOperation[];
    const counts = new Map<string, number>();
    for (const op of operations.filter((o) => o.ok && ['platform-install', 'service-update', 'oneoff-run'].includes(o.operation))) {
      const key = operationKey(op);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    // The crash landed mid-update: the restarted control plane had work left to do (a step sent before the crash
    // ends within 2 s of it, and the restart took longer).
    expect(operations.filter((o) => o.ok && o.at > restartedAt).length).toBeGreaterThan(0);
    const oneOffs = manifest.services.filter((s) => s.oneOff).length;
    const replicas = inventory.nodes.reduce((sum, node) => sum + node.services.length, 0);
    expect(counts.size).toBe(inventory.nodes.length * manifest.platform.length + oneOffs + replicas);

    expect(javaProcesses(runDirectory)).toHaveLength(1);

    const down = await cli.run(['local', 'down']);
    expect(down.code, down.stderr).toBe(0);
    expect(findRunProcesses(runDirectory)).toEqual([]);
    for (const url of endpoints) expect(await isListening(url), url).toBe(false);
  }, 600_000);
});

function operationKey(op: FleetOperation): string {
  return `${op.node} ${op.operation} ${op.name ?? ''} ${op.release ?? ''}`;
}


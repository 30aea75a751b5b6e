import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isListening } from '../../../src/local/port-check';
import { findRunProcesses } from '../../../src/local/run-processes';
import { writeSmallCluster } from '../workflow/small-cluster';
import { alive, descendantsOf, listeningPorts } from './process-probe';

const BIN = join(__dirname, '../../../bin/cluster-update.js');
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

interface Running {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

function run(args: readonly string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', CLUSTER_UPDATE_WATCH_INTERVAL_MS: '250', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = { child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (chunk: Buffer) => (running.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (running.output += chunk.toString()));
  return running;
}

async function until(predicate: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Nothing of the run is left: no process whose command line names the run directory, no port any of them had open. */
async function expectNothingLeft(runDirectory: string, pids: readonly number[], ports: readonly number[]): Promise<void> {
  await until(() => findRunProcesses(runDirectory).length === 0 && !pids.some(alive), 'every process of the run to exit', 15_000).catch(() => undefined);
  expect(findRunProcesses(runDirectory).map((p) => p.command.join(' '))).toEqual([]);
  expect(pids.filter(alive)).toEqual([]);
  for (const port of ports) expect(await isListening(`http://127.0.0.1:${port}`), `port ${port}`).toBe(false);
}

/**
 * Long-running commands end cleanly on SIGINT (Ctrl-C) and SIGTERM (a CI
 * timeout): the update watch stops, every stand-in and child process is torn
 * down, and the exit code is 128 + the signal (issue #16, item 2).
 */
describe('interrupting long-running commands', () => {
  let runDirectory: string;
  afterEach(() => {
    for (const leftover of findRunProcesses(runDirectory)) process.kill(leftover.pid, 'SIGKILL');
    rmSync(runDirectory, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('demo stopped by %s mid-update tears everything down and exits 128+n', async (signal) => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-int-demo-'));
    const demo = run(['demo', '--run-dir', runDirectory]);
    await until(() => /update \S+: analytics-prod/.test(demo.output), 'the demo to start its update');
    await until(() => /canary|wave|platform/i.test(demo.output.split(/update \S+: /)[1] ?? ''), 'progress');
    const pids = [...new Set([demo.child.pid!, ...descendantsOf(demo.child.pid!), ...findRunProcesses(runDirectory).map((p) => p.pid)])];
    const ports = listeningPorts(pids);
    expect(ports.length).toBeGreaterThan(30); // DynamoDB Local, SSM, Step Functions, fleet controller, every service replica
    demo.child.kill(signal);
    expect(await demo.exited).toBe(EXIT[signal]);
    await expectNothingLeft(runDirectory, pids, ports);
  }, 240_000);

  it.each(['SIGINT', 'SIGTERM'] as const)('local serve stopped by %s mid-update stops its stand-ins and the fleet; a watch stopped by it says the update goes on', async (signal) => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-int-serve-'));
    // The small cluster: what is stopped here is the runtime, whatever its size (the demo above runs the example).
    const serve = run(['local', 'serve', '--run-dir', runDirectory, '--persistent', ...writeSmallCluster(runDirectory)]);
    await until(() => existsSync(join(runDirectory, 'state.json')), 'local serve to be ready');
    const watch = run(['start', '--update-id', 'interrupted', '--watch', '--run-dir', runDirectory]);
    await until(() => /canary|wave/i.test(watch.output), 'the watch to show progress');
    watch.child.kill(signal);
    expect(await watch.exited).toBe(EXIT[signal]);
    expect(watch.output).toContain(`the update goes on: cluster-update status interrupted --watch --run-dir ${runDirectory}`);

    const state = JSON.parse(readFileSync(join(runDirectory, 'state.json'), 'utf8')) as { endpoints: Record<string, string> };
    const pids = [...new Set([serve.child.pid!, ...descendantsOf(serve.child.pid!), ...findRunProcesses(runDirectory).map((p) => p.pid)])];
    const ports = [...listeningPorts(pids), ...Object.values(state.endpoints).map((url) => Number(new URL(url).port))];
    serve.child.kill(signal);
    expect(await serve.exited).toBe(EXIT[signal]);
    await expectNothingLeft(runDirectory, pids, ports);
    expect(existsSync(join(runDirectory, 'state.json'))).toBe(false);
  }, 240_000);
});

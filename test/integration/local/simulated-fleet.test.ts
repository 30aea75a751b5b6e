import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AvailabilityProber } from '../../../src/local/fleet/availability-prober';
import { probeHealth } from '../../../src/local/fleet/service-replica';
import { SimulatedFleet } from '../../../src/local/fleet/simulated-fleet';
import { isListening } from '../../../src/local/port-check';
import { isProcessAlive } from '../../../src/local/local-state';

/** Whether a process runs whose command line holds `text` (Linux's /proc; pgrep is not on every machine). */
function runningWith(text: string): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // gone meanwhile
      }
    });
}

describe('simulated fleet of real processes', () => {
  let runDirectory: string;
  let fleet: SimulatedFleet;

  beforeAll(async () => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-fleet-'));
    fleet = await SimulatedFleet.start({
      runDirectory,
      cluster: 'c',
      release: '1.0.0',
      platformSteps: ['system-packages', 'node-agent'],
      nodes: [
        { id: 'node-1', services: ['search', 'tql'] },
        { id: 'node-2', services: ['search'] },
        { id: 'node-3', services: ['search'], healthy: false },
      ],
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    rmSync(runDirectory, { recursive: true, force: true });
  });

  /** Runs the node's own `cu-node` as a command on that node would (asynchronously: the controller answers in this process). */
  function cuNode(node: string, ...args: string[]): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
      execFile(join(runDirectory, 'nodes', node, 'bin', 'cu-node'), args, { env: { ...process.env, CU_NODE_ID: node, CU_FLEET_URL: fleet.url }, encoding: 'utf8' }, (error, stdout, stderr) => {
        resolve(error ? { code: typeof error.code === 'number' ? error.code : 1, out: stderr } : { code: 0, out: stdout });
      });
    });
  }

  it('starts every service as a process answering /health with its release; an unhealthy node starts down', async () => {
    const [one, , three] = await fleet.status();
    expect(one!.release).toBe('1.0.0');
    expect(one!.services.map((s) => [s.name, s.release, s.healthy])).toEqual([['search', '1.0.0', true], ['tql', '1.0.0', true]]);
    expect(await probeHealth(one!.services[0]!.port)).toEqual({ healthy: true, release: '1.0.0' });
    expect(three!.online).toBe(false);
    expect(three!.services[0]!.healthy).toBe(false);
  });

  it('a service update really restarts the process at the new release', async () => {
    const before = (await fleet.status())[0]!.services[0]!;
    expect((await cuNode('node-1', 'service', 'update', 'search', '2.0.0')).code).toBe(0);
    const after = (await fleet.status())[0]!.services[0]!;
    expect(after.pid).not.toBe(before.pid);
    expect(after.startedAt).not.toBe(before.startedAt);
    expect(await probeHealth(after.port)).toEqual({ healthy: true, release: '2.0.0' });
    expect(isProcessAlive(before.pid!)).toBe(false);
  });

  it('platform installs are files in the node root; a fault fails exactly the named step on the named node', async () => {
    fleet.injectFault({ kind: 'fail', operation: 'platform-install', name: 'system-packages', node: 'node-2', message: 'dpkg: error processing package' });
    expect((await cuNode('node-1', 'platform', 'install', 'system-packages', '2.0.0')).code).toBe(0);
    const failed = await cuNode('node-2', 'platform', 'install', 'system-packages', '2.0.0');
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('dpkg: error processing package');
    expect((await cuNode('node-2', 'platform', 'install', 'node-agent', '2.0.0')).code).toBe(0);
    fleet.clearFaults();
    expect(readFileSync(join(runDirectory, 'nodes/node-1/etc/platform/system-packages'), 'utf8')).toBe('2.0.0');
    expect(readFileSync(join(runDirectory, 'nodes/node-2/etc/platform/system-packages'), 'utf8')).toBe('1.0.0');
    const log = fleet.operations().filter((o) => o.operation === 'platform-install');
    expect(log.map((o) => [o.node, o.name, o.ok])).toEqual([['node-1', 'system-packages', true], ['node-2', 'system-packages', false], ['node-2', 'node-agent', true]]);
  });

  it('a service that starts unhealthy fails its update; bad usage exits 2', async () => {
    fleet.injectFault({ kind: 'unhealthy', operation: 'service-update', name: 'tql' });
    const result = await cuNode('node-1', 'service', 'update', 'tql', '2.0.0');
    fleet.clearFaults();
    expect(result.code).toBe(1);
    expect(result.out).toContain('not healthy');
    expect((await cuNode('node-1', 'service', 'frobnicate')).code).toBe(2);
    expect((await cuNode('node-1', 'service', 'update', 'tql', '2.0.0')).code).toBe(0);
  });

  it("cu-node answers like a real tool: a replica's port, a service not hosted, no controller, no node identity", async () => {
    const ports = Object.fromEntries((await fleet.status())[0]!.services.map((s) => [s.name, s.port]));
    expect(await cuNode('node-1', 'service', 'port', 'tql')).toEqual({ code: 0, out: `${ports.tql}\n` });
    expect(await cuNode('node-2', 'service', 'port', 'tql')).toEqual({ code: 1, out: 'cu-node: node-2 does not host tql\n' });
    // On the node (CU_NODE_ROOT, as the step runner runs it) a port is read where the node keeps it, without a call:
    // it answers with no controller at all, and follows a replica that came back on another port.
    const onNode = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(join(runDirectory, 'nodes', 'node-1', 'bin', 'cu-node'), args, { env: { PATH: process.env.PATH!, CU_NODE_ID: 'node-1', CU_FLEET_URL: 'http://127.0.0.1:9', CU_NODE_ROOT: join(runDirectory, 'nodes', 'node-1') }, encoding: 'utf8' }, (error, out, err) =>
          resolve(error ? { code: Number(error.code), out: err } : { code: 0, out }),
        ),
      );
    expect(await onNode('service', 'port', 'tql')).toEqual({ code: 0, out: `${ports.tql}\n` });
    const replica = fleet.node('node-1').replicas.get('tql')!;
    const before = replica.port;
    replica.port = before + 1;
    expect(await onNode('service', 'port', 'tql')).toEqual({ code: 0, out: `${before + 1}\n` });
    replica.port = before;
    expect((await onNode('service', 'port', '../tql')).code).toBe(1); // not a service name: asked of the controller, which is not there
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number; err: string }>((resolve) =>
        execFile(join(runDirectory, 'nodes', 'node-1', 'bin', 'cu-node'), ['drain'], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' }, (error, _out, err) => resolve({ code: error ? Number(error.code) : 0, err })),
      );
    // No controller at that address (port 9 on the loopback, where nothing listens): exit 1.
    const nowhere = await run({ CU_NODE_ID: 'node-1', CU_FLEET_URL: 'http://127.0.0.1:9' });
    expect(nowhere.code).toBe(1);
    expect(nowhere.err).toContain('cannot reach the node agent at http://127.0.0.1:9');
    expect(await run({})).toEqual({ code: 2, err: 'cu-node: CU_NODE_ID and CU_FLEET_URL must be set (run me through the step runner)\n' });
    expect((await run({ CU_NODE_ID: 'node-9', CU_FLEET_URL: fleet.url })).code).toBe(2);
    expect(fleet.operations().filter((o) => o.operation === 'drain')).toEqual([]);
  });

  it('a cu-node call killed while it is slowed stops there, without its effect', async () => {
    fleet.injectFault({ kind: 'slow', operation: 'platform-install', name: 'node-agent', node: 'node-2', delayMs: 60_000 });
    const child = spawn(join(runDirectory, 'nodes', 'node-2', 'bin', 'cu-node'), ['platform', 'install', 'node-agent', '3.0.0'], { env: { ...process.env, CU_NODE_ID: 'node-2', CU_FLEET_URL: fleet.url }, detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Its curl is running (then give its request a moment to reach the controller, where the fault holds it).
    await vi.waitFor(() => expect(runningWith('arg=node-agent')).toBe(true), { timeout: 10_000, interval: 50 });
    await new Promise((r) => setTimeout(r, 300));
    // As a timed-out or cancelled step is killed: its whole process group (here the client's shell and its curl).
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    await vi.waitFor(() => expect(fleet.operations().filter((o) => o.name === 'node-agent' && o.release === '3.0.0').map((o) => o.ok)).toEqual([false]), { timeout: 5000 });
    fleet.clearFaults();
    expect(readFileSync(join(runDirectory, 'nodes/node-2/etc/platform/node-agent'), 'utf8')).not.toBe('3.0.0');
  });

  it('the prober sees a replica drop when a node is drained or stopped', async () => {
    const prober = new AvailabilityProber({ fleet, thresholds: { search: 2 }, intervalMs: 20 });
    await prober.probeOnce();
    expect((await cuNode('node-2', 'drain')).code).toBe(0);
    await prober.probeOnce();
    expect((await cuNode('node-2', 'rejoin')).code).toBe(0);
    await fleet.stopNode('node-1');
    await prober.probeOnce();
    await fleet.startNode('node-1');
    await prober.probeOnce();
    const report = await prober.stop();
    expect(report.minimumAvailable.search).toBe(1);
    expect(report.violations.search).toHaveLength(2);
  });

  // Chaos seeds 9 and 30: the harness started every node it had not stopped, and each start restarted every
  // replica of a running node, so services went below minHealthy with no step of the workflow to blame.
  it('starting a node that is up is not a reboot: its replicas keep their processes and never stop answering', async () => {
    const before = (await fleet.status()).find((n) => n.id === 'node-2')!;
    expect(before.online).toBe(true);
    let answered = 0;
    let refused = 0;
    let probing = true;
    const prober = (async () => {
      while (probing) {
        if ((await probeHealth(before.services[0]!.port, 1000)).healthy) answered += 1;
        else refused += 1;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await fleet.startNode('node-2');
    await fleet.startNode('node-2');
    await new Promise((r) => setTimeout(r, 200));
    probing = false;
    await prober;
    const after = (await fleet.status()).find((n) => n.id === 'node-2')!;
    expect(after.services.map((s) => s.pid)).toEqual(before.services.map((s) => s.pid));
    expect(refused).toBe(0);
    expect(answered).toBeGreaterThan(0);
  });

  it('stop() leaves no process and no listening port behind', async () => {
    const other = await SimulatedFleet.start({ runDirectory: join(runDirectory, 'other'), cluster: 'c', release: '1.0.0', platformSteps: [], nodes: [{ id: 'n1', services: ['a', 'b'] }] });
    const report = (await other.status())[0]!;
    const pids = report.services.map((s) => s.pid!);
    const ports = report.services.map((s) => `http://127.0.0.1:${s.port}`);
    await other.stop();
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(await Promise.all([...ports, other.url].map(isListening))).toEqual([false, false, false]);
  });
});

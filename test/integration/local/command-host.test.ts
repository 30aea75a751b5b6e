import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimulatedFleet } from '../../../src/local/fleet/simulated-fleet';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { isProcessAlive } from '../../../src/local/local-state';
import { CommandHost } from '../../../src/local/command-host/command-host';
import { SsmEmulator } from '../../../src/local/ssm/ssm-emulator';
import { commandLineOf, descendantsOf, parentOf } from '../cli/process-probe';

describe('the command host: nodes’ scripts start outside the control plane’s process', () => {
  let scratch: string;
  beforeAll(() => void (scratch = mkdtempSync(join(tmpdir(), 'cu-command-host-'))));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('a command’s script is not a child of the process the emulator runs in, and its output and exit code come back', async () => {
    const fleet = await SimulatedFleet.start({ runDirectory: scratch, cluster: 'c', release: '1.0.0', platformSteps: [], nodes: [{ id: 'node-1', services: [] }], serviceProcesses: false });
    const ssm = await SsmEmulator.start({ fleet });
    const client = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    try {
      const sent = await client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['node-1'], Parameters: { commands: ['echo "parent $PPID"', 'echo oops >&2', 'exit 7'] } }));
      let answer;
      do {
        await new Promise((r) => setTimeout(r, 50));
        answer = await client.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: 'node-1' }));
      } while (!['Success', 'Failed'].includes(answer.Status!));
      expect(answer).toMatchObject({ Status: 'Failed', ResponseCode: 7, StandardErrorContent: 'oops\n' });
      const parent = Number(/^parent (\d+)$/m.exec(answer.StandardOutputContent!)?.[1]);
      expect(parent).toBeGreaterThan(0);
      expect(parent).not.toBe(process.pid);
    } finally {
      client.destroy();
      await ssm.stop();
      await fleet.stop();
    }
  });

  it('is up as soon as the emulator is, so the first command of an update does not wait for a Node start', async () => {
    const fleet = await SimulatedFleet.start({ runDirectory: scratch, cluster: 'c', release: '1.0.0', platformSteps: [], nodes: [{ id: 'node-1', services: [] }], serviceProcesses: false });
    const hosts = () => descendantsOf(process.pid).filter((pid) => commandLineOf(pid).some((arg) => arg.endsWith('command-host-process.js')));
    expect(hosts()).toEqual([]);
    const ssm = await SsmEmulator.start({ fleet });
    try {
      expect(hosts()).toHaveLength(1);
    } finally {
      await ssm.stop();
      await fleet.stop();
    }
    expect(hosts()).toEqual([]);
  });

  it('a fleet’s replicas start from its host, not from the fleet’s process, and go when their host goes', async () => {
    const fleet = await SimulatedFleet.start({ runDirectory: scratch, cluster: 'c', release: '1.0.0', platformSteps: [], nodes: [{ id: 'node-1', services: ['api'] }] });
    try {
      const [api] = (await fleet.status())[0]!.services;
      const host = parentOf(api!.pid!)!;
      expect(host).not.toBe(process.pid);
      expect(commandLineOf(host).some((arg) => arg.endsWith('command-host-process.js'))).toBe(true);
      // A replica restarted by the workflow comes from the host as well.
      await fleet.perform({ node: 'node-1', op: 'service-update', name: 'api', release: '1.1.0' });
      const [restarted] = (await fleet.status())[0]!.services;
      expect(restarted!.pid).not.toBe(api!.pid);
      expect(parentOf(restarted!.pid!)).toBe(host);

      process.kill(host, 'SIGKILL');
      await vi.waitFor(() => expect(isProcessAlive(restarted!.pid!)).toBe(false), { timeout: 5000, interval: 50 });
      await vi.waitFor(async () => expect((await fleet.status())[0]!.services[0]!.running).toBe(false), { timeout: 5000, interval: 50 });
      expect(readFileSync(join(scratch, 'nodes/node-1/var/log/api.log'), 'utf8')).toMatch(/api@node-1 pid \d+ exited unexpectedly/);
    } finally {
      await fleet.stop();
    }
  });

  it('kills a script’s whole process group; stop ends whatever still runs there', async () => {
    const host = new CommandHost();
    const marker = join(scratch, 'grandchild.pid');
    const output: string[] = [];
    const run = await host.run({ file: '/bin/bash', args: ['-c', `sleep 60 & echo $! > '${marker}'; wait`], cwd: scratch, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, onOutput: (_, text) => output.push(text) });
    await vi.waitFor(() => expect(existsSync(marker) && readFileSync(marker, 'utf8').trim()).toBeTruthy(), { timeout: 5000, interval: 20 });
    const grandchild = Number(readFileSync(marker, 'utf8'));
    process.kill(-run.pid, 'SIGTERM');
    expect((await run.ended).code).toBeNull();
    await vi.waitFor(() => expect(isProcessAlive(grandchild)).toBe(false), { timeout: 5000, interval: 20 });

    const long = await host.run({ file: '/bin/sleep', args: ['60'], cwd: scratch, env: {}, onOutput: () => undefined });
    expect(isProcessAlive(long.pid)).toBe(true);
    await host.stop();
    expect((await long.ended).code).toBeNull();
    await vi.waitFor(() => expect(isProcessAlive(long.pid)).toBe(false), { timeout: 5000, interval: 20 });
  });

  it('a host that dies ends its scripts’ waits, and the next script gets a new host', async () => {
    const host = new CommandHost();
    try {
      const orphaned = await host.run({ file: '/bin/sleep', args: ['60'], cwd: scratch, env: {}, onOutput: () => undefined });
      const hostPid = parentOf(orphaned.pid)!;
      process.kill(hostPid, 'SIGKILL');
      expect((await orphaned.ended).code).toBeNull();
      process.kill(-orphaned.pid, 'SIGKILL');
      const output: string[] = [];
      const next = await host.run({ file: '/bin/echo', args: ['again'], cwd: scratch, env: {}, onOutput: (_, text) => output.push(text) });
      expect((await next.ended).code).toBe(0);
      expect(output.join('')).toBe('again\n');
    } finally {
      await host.stop();
    }
  });
});

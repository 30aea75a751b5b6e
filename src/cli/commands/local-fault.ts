import { Option, type Command } from 'commander';
import { InputError } from '../../core/errors';
import type { FleetFault } from '../../local/fleet/fleet-fault';
import { readLocalState, resolveRunDirectory } from '../../local/local-state';

const OPERATIONS = ['platform-install', 'service-update', 'service-stop', 'service-start', 'service-health', 'oneoff-run', 'oneoff-rollback', 'drain', 'rejoin', 'hook'];

interface FaultOptions {
  readonly operation?: string;
  readonly name?: string;
  readonly node?: string;
  readonly delayMs?: number;
  readonly message?: string;
  readonly runDir?: string;
}

/** Fault injection on the running local fleet, for demos and manual testing (`local up` first). */
export function registerLocalFault(local: Command): void {
  const fault = local.command('fault').description('inject faults into the running simulated fleet (for demos and tests)');
  for (const kind of ['fail', 'slow', 'unhealthy'] as const) {
    fault
      .command(kind)
      .description(
        kind === 'fail' ? 'make matching cu-node calls fail (exit 1)' : kind === 'slow' ? 'make matching cu-node calls take longer' : 'make matching services start unhealthy',
      )
      .addOption(new Option('--operation <operation>', 'which cu-node operation').choices(OPERATIONS))
      .option('--name <name>', 'platform step, service or hook name')
      .option('--node <id>', 'only on this node')
      .option('--delay-ms <ms>', 'with slow: how much longer', Number)
      .option('--message <text>', 'with fail: what the failing command prints')
      .option('--run-dir <dir>', 'run directory of `local up`')
      .addHelpText('after', '\nExamples:\n  $ cluster-update local fault fail --operation platform-install --name system-packages --node node-1\n  $ cluster-update local fault slow --operation service-update --name search --delay-ms 2000')
      .action(async (options: FaultOptions) => {
        if (kind === 'slow' && !(Number(options.delayMs) > 0)) throw new InputError('slow needs --delay-ms <ms> greater than 0');
        const body: FleetFault = { kind, operation: options.operation as FleetFault['operation'], name: options.name, node: options.node, delayMs: options.delayMs, message: options.message };
        await fleetCall(options.runDir, 'POST', '/faults', body);
        process.stdout.write(`fault added: ${kind} ${options.operation ?? 'any operation'} ${options.name ?? ''} ${options.node ? `on ${options.node}` : 'on every node'}\n`);
      });
  }
  fault
    .command('clear')
    .description('remove every injected fault')
    .option('--run-dir <dir>', 'run directory of `local up`')
    .action(async (options: { runDir?: string }) => {
      await fleetCall(options.runDir, 'DELETE', '/faults');
      process.stdout.write('faults cleared\n');
    });
  for (const action of ['stop', 'start'] as const) {
    local
      .command(`node-${action}`)
      .description(action === 'stop' ? 'take a simulated node down (agent and services)' : 'bring a simulated node back up')
      .argument('<node>', 'node id')
      .option('--run-dir <dir>', 'run directory of `local up`')
      .action(async (node: string, options: { runDir?: string }) => {
        await fleetCall(options.runDir, 'POST', `/nodes/${encodeURIComponent(node)}/${action}`);
        process.stdout.write(`${node} ${action === 'stop' ? 'stopped' : 'started'}\n`);
      });
  }
}

async function fleetCall(runDir: string | undefined, method: string, path: string, body?: unknown): Promise<void> {
  const state = readLocalState(resolveRunDirectory(runDir));
  const response = await fetch(`${state.endpoints.fleet}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    const answer = (await response.json().catch(() => ({}))) as { message?: string };
    throw new InputError(answer.message ?? `the fleet answered ${response.status}`);
  }
}

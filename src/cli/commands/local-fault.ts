import { Option, type Command } from 'commander';
import { InputError } from '../../core/errors';
import { DEFAULT_SEND_COMMAND_RATE, type ServiceFaultCounts, type ServiceFaultSettings } from '../../local/faults/service-faults';
import type { ArmedTaskFault } from '../../local/faults/task-faults';
import type { FleetFault } from '../../local/fleet/fleet-fault';
import { TASK_CRASH_POINTS } from '../../workflow/simulated-crash';
import { TASKS } from '../../workflow/task-names';
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
    .command('throttle')
    .description("make the SSM emulator answer SendCommand above a rate with ThrottlingException, as SSM does")
    .option('--rate <perSecond>', `SendCommand requests per second (default ${DEFAULT_SEND_COMMAND_RATE})`, parseFraction('--rate', Infinity), DEFAULT_SEND_COMMAND_RATE)
    .option('--run-dir <dir>', 'run directory of `local up`')
    .action(async (options: { rate: number; runDir?: string }) => {
      if (!(options.rate > 0)) throw new InputError('--rate must be above 0');
      await serviceFaults(options.runDir, 'POST', { sendCommandRate: options.rate });
      process.stdout.write(`SSM SendCommand throttled above ${options.rate}/s\n`);
    });
  fault
    .command('dynamodb')
    .description('make DynamoDB cancel a fraction of transactions (TransactionConflict) and throttle a fraction of other calls (ProvisionedThroughputExceeded)')
    .option('--conflicts <fraction>', 'fraction of TransactWriteItems cancelled with TransactionConflict (0–1)', parseFraction('--conflicts', 1))
    .option('--throughput <fraction>', 'fraction of other calls answered ProvisionedThroughputExceededException (0–1)', parseFraction('--throughput', 1))
    .option('--run-dir <dir>', 'run directory of `local up`')
    .action(async (options: { conflicts?: number; throughput?: number; runDir?: string }) => {
      if (options.conflicts === undefined && options.throughput === undefined) throw new InputError('give --conflicts <fraction> and/or --throughput <fraction>');
      await serviceFaults(options.runDir, 'POST', { transactionConflictFraction: options.conflicts, throughputExceededFraction: options.throughput });
      process.stdout.write(`DynamoDB faults: conflicts ${options.conflicts ?? '-'}, throughput ${options.throughput ?? '-'}\n`);
    });
  fault
    .command('lambda-throttle')
    .description('make Lambda throttle a fraction of task invocations (Lambda.TooManyRequestsException before the handler runs), as Lambda does')
    .requiredOption('--fraction <fraction>', 'fraction of invocations throttled (0–1), spread evenly: 0.2 throttles every fifth', parseFraction('--fraction', 1))
    .option('--run-dir <dir>', 'run directory of `local up`')
    .action(async (options: { fraction: number; runDir?: string }) => {
      await serviceFaults(options.runDir, 'POST', { lambdaThrottleFraction: options.fraction });
      process.stdout.write(`Lambda throttles ${options.fraction} of task invocations\n`);
    });
  fault
    .command('task-crash')
    .description('make a task die (as a Lambda runtime crash: Lambda.Unknown) once, at the next crash point that matches')
    .requiredOption('--point <point>', `${TASK_CRASH_POINTS.join('|')}, optionally narrowed: <point>:<phase>:<target>:<step> (or :any)`, parseCrashPoint)
    .option('--run-dir <dir>', 'run directory of `local up`')
    .addHelpText('after', '\nExamples:\n  $ cluster-update local fault task-crash --point after-send\n  $ cluster-update local fault task-crash --point after-send:canary:node-1:platform-config\n  $ cluster-update local fault task-crash --point handover-after-transaction')
    .action(async (options: { point: string; runDir?: string }) => {
      const armed = await armTaskFault(options.runDir, 'task-crash', options.point);
      process.stdout.write(`task crash armed at the next ${armed.match} point (once)\n`);
    });
  for (const kind of ['lambda-timeout', 'lose-response'] as const) {
    fault
      .command(kind)
      .description(
        kind === 'lambda-timeout'
          ? "make a task's next invocation outlast its function timeout (Step Functions sees Sandbox.Timedout; the late handler runs on)"
          : "make a task's next successful invocation lose its answer (Lambda.ServiceException; the task already did its work)",
      )
      .addOption(new Option('--task <task>', 'which task (or any)').choices([...TASKS, 'any']).default('any'))
      .option('--run-dir <dir>', 'run directory of `local up`')
      .action(async (options: { task: string; runDir?: string }) => {
        await armTaskFault(options.runDir, kind, options.task);
        process.stdout.write(`${kind} armed for the next invocation of ${options.task === 'any' ? 'any task' : options.task} (once)\n`);
      });
  }
  fault
    .command('status')
    .description('the service faults in force and how many of each the stand-ins produced (JSON)')
    .option('--run-dir <dir>', 'run directory of `local up`')
    .action(async (options: { runDir?: string }) => {
      const { faults: taskFaults, fired } = (await fleetCall(options.runDir, 'GET', '/task-faults')) as { faults: ArmedTaskFault[]; fired: number };
      process.stdout.write(`${JSON.stringify({ ...(await serviceFaults(options.runDir, 'GET')), taskFaults: { armed: taskFaults, fired } }, null, 2)}\n`);
    });
  fault
    .command('clear')
    .description('remove every injected fault')
    .option('--run-dir <dir>', 'run directory of `local up`')
    .action(async (options: { runDir?: string }) => {
      await fleetCall(options.runDir, 'DELETE', '/faults');
      await serviceFaults(options.runDir, 'DELETE');
      await fleetCall(options.runDir, 'DELETE', '/task-faults');
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

async function fleetCall(runDir: string | undefined, method: string, path: string, body?: unknown): Promise<unknown> {
  const state = readLocalState(resolveRunDirectory(runDir));
  const response = await fetch(`${state.endpoints.fleet}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) throw new InputError(answer.message ?? `the fleet answered ${response.status}`);
  return answer;
}

async function serviceFaults(runDir: string | undefined, method: 'GET' | 'POST' | 'DELETE', settings?: ServiceFaultSettings): Promise<{ faults: ServiceFaultSettings; produced: ServiceFaultCounts }> {
  const answer = (await fleetCall(runDir, method, '/service-faults', settings)) as { faults?: ServiceFaultSettings; produced?: ServiceFaultCounts };
  if (!answer.produced) throw new InputError('this local runtime has no service faults (restart it with `local down` and `local up`)');
  return { faults: answer.faults ?? {}, produced: answer.produced };
}

function parseFraction(option: string, maximum: number): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > maximum) throw new InputError(`${option} must be a number from 0${maximum === 1 ? ' to 1' : ''}, got '${value}'`);
    return parsed;
  };
}

async function armTaskFault(runDir: string | undefined, kind: ArmedTaskFault['kind'], match: string): Promise<ArmedTaskFault> {
  return ((await fleetCall(runDir, 'POST', '/task-faults', { kind, match })) as { armed: ArmedTaskFault }).armed;
}

/** `after-send`, `after-send:any`, `after-send:<phase>:<target>:<step>`: the point must be one the tasks have. */
function parseCrashPoint(value: string): string {
  const where = value.split(':')[0] ?? '';
  if (!(TASK_CRASH_POINTS as readonly string[]).includes(where)) throw new InputError(`--point must start with one of ${TASK_CRASH_POINTS.join(', ')}, got '${value}'`);
  return value;
}

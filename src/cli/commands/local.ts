import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InputError } from '../../core/errors';
import { isProcessAlive, readLocalState, removeLocalState, resolveRunDirectory, runDirectoryFlag, stateFile, writeLocalState, type LocalState } from '../../local/local-state';
import { stopProcess } from '../../local/fleet/fleet-supervisor';
import { staleRunProcesses } from '../../local/stale-processes';
import { acquireRunDirectoryLock } from '../../local/run-directory-lock';
import { exitCodeForSignal, onTerminationSignal } from '../termination-signals';
import { DEFAULT_MANIFEST, fleetInputArguments, loadFleetInputs, fleetInputOptions, type FleetInputOptions } from '../fleet-inputs';
import { lambdaRuntimeNode } from '../../local/lambda-runtime-node';
import { waitForPortsClosed } from '../../local/port-check';
import { PACKAGE_ROOT } from '../../package-root';
import { registerLocalFault } from './local-fault';

const BIN = resolve(PACKAGE_ROOT, 'bin', 'cluster-update.js');
const START_TIMEOUT_MS = 120_000;

/** `local up` is already running in that run directory. */
export class LocalRuntimeAlreadyRunningError extends InputError {
  public readonly pid: number;
  public constructor(state: LocalState) {
    super(`the local runtime is already running in ${state.runDirectory} (pid ${state.pid}); run \`cluster-update local down${runDirectoryFlag(state.runDirectory)}\` first`);
    this.name = 'LocalRuntimeAlreadyRunningError';
    this.pid = state.pid;
  }
}

interface UpOptions extends FleetInputOptions {
  readonly runDir?: string;
  readonly json?: boolean;
  readonly persistent?: boolean;
}

export function register(program: Command): void {
  const local = program.command('local').description('Run the embedded local stand-ins of AWS (DynamoDB Local, SSM emulator + simulated fleet, Step Functions) on 127.0.0.1');

  fleetInputOptions(
    local
      .command('up')
      .description('start the local runtime in the background and return once it is ready')
      .option('--run-dir <dir>', 'run directory (state.json, node roots, logs)', undefined)
      .option('--json', 'print { endpoints, nodes } as JSON')
      .option('--no-persistent', 'keep DynamoDB tables in memory instead of under the run directory'),
  )
    .addHelpText('after', '\nExamples:\n  $ cluster-update local up\n  $ cluster-update local up --nodes 12 --json\n  $ cluster-update local up -m examples/analytics-cluster/release-7.2.0.yaml --inventory examples/analytics-cluster/inventory.yaml')
    .action(async (options: UpOptions) => {
      const state = await localUp(options);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ endpoints: state.endpoints, nodes: state.nodes, runDirectory: state.runDirectory, stateMachineArn: state.stateMachineArn, tableName: state.tableName }, null, 2)}\n`);
      } else {
        process.stdout.write(
          `local runtime up (pid ${state.pid}) in ${state.runDirectory}\n` +
            `  dynamodb       ${state.endpoints.dynamodb}\n  ssm            ${state.endpoints.ssm}\n` +
            `  stepfunctions  ${state.endpoints.stepfunctions}\n  fleet          ${state.endpoints.fleet}\n` +
            `  cluster ${state.cluster}: ${state.nodes.join(', ')}\n`,
        );
      }
    });

  local
    .command('down')
    .description('stop everything `local up` started; leaves no process or port behind')
    .option('--run-dir <dir>', 'run directory')
    .action(async (options: { runDir?: string }) => {
      const stopped = await localDown(resolveRunDirectory(options.runDir));
      process.stdout.write(
        !stopped ? 'the local runtime was not running\n'
        : stopped.pid !== undefined ? `local runtime stopped (pid ${stopped.pid})\n`
        : `the local runtime was not running; stopped ${stopped.leftovers} process(es) a crash left behind\n`,
      );
    });

  local
    .command('fleet-supervisor', { hidden: true })
    .description('run the simulated fleet and SSM in this process (what the control plane starts; it outlives it)')
    .requiredOption('--run-dir <dir>', 'run directory')
    .action(async (options: { runDir: string }) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, like the runtime
      const { runFleetSupervisor } = require('../../local/fleet/fleet-supervisor') as typeof import('../../local/fleet/fleet-supervisor');
      await runFleetSupervisor(resolveRunDirectory(options.runDir));
    });

  registerLocalFault(local);

  fleetInputOptions(
    local
      .command('serve', { hidden: true })
      .description('run the local runtime in the foreground (what `local up` starts in the background)')
      .option('--run-dir <dir>', 'run directory')
      .addOption(new Option('--persistent', 'keep DynamoDB tables on disk')),
  ).action(async (options: UpOptions) => {
    await serve(options);
  });
}

/** Starts `local serve` in the background and waits until it has written its state file. */
export async function localUp(options: UpOptions): Promise<LocalState> {
  const runDirectory = resolveRunDirectory(options.runDir);
  const existing = safeReadState(runDirectory);
  if (existing && isProcessAlive(existing.pid)) throw new LocalRuntimeAlreadyRunningError(existing);
  loadFleetInputs(options); // validate input before anything starts: bad input → exit 2, nothing touched
  if (existing) removeLocalState(runDirectory);
  // What a crash left behind (an orphaned DynamoDB Local, a control plane state.json forgot) is stopped
  // before anything starts; a live fleet supervisor and what runs under it are kept and re-attached to.
  await Promise.all(staleRunProcesses(runDirectory).map((stale) => stopProcess(stale.pid, 5_000)));

  mkdirSync(runDirectory, { recursive: true });
  const log = openSync(join(runDirectory, 'local.log'), 'a');
  const args = [BIN, 'local', 'serve', '--run-dir', runDirectory, ...fleetInputArguments(options)];
  if (options.persistent !== false) args.push('--persistent');
  // The runtime runs the Lambda handlers in-process: on the Lambda runtime's Node major when it is installed.
  const child = spawn(lambdaRuntimeNode() ?? process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const state = safeReadState(runDirectory);
    if (state && state.pid === child.pid) return state;
    if (child.exitCode !== null || (child.pid !== undefined && !isProcessAlive(child.pid))) {
      throw new Error(`the local runtime failed to start; see ${join(runDirectory, 'local.log')}:\n${tail(join(runDirectory, 'local.log'))}`);
    }
    if (Date.now() > deadline) {
      if (child.pid) process.kill(child.pid, 'SIGTERM');
      throw new Error(`the local runtime did not become ready within ${START_TIMEOUT_MS / 1000} s; see ${join(runDirectory, 'local.log')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops the control plane and the fleet (both, also after a crash of one), waits for every port to close. */
export async function localDown(runDirectory: string): Promise<{ pid?: number; leftovers: number } | undefined> {
  const state = safeReadState(runDirectory);
  const leftovers = staleRunProcesses(runDirectory, { includeFleet: true });
  if (!state && leftovers.length === 0) return undefined;
  if (state) await stopProcess(state.pid, 30_000); // a clean stop of `local serve` stops its fleet too
  if (state?.fleetPid !== undefined) await stopProcess(state.fleetPid, 20_000);
  await Promise.all(staleRunProcesses(runDirectory, { includeFleet: true }).map((p) => stopProcess(p.pid, 5_000)));
  removeLocalState(runDirectory);
  if (state) await waitForPortsClosed(Object.values(state.endpoints), 10_000);
  return { pid: state?.pid, leftovers: leftovers.length };
}

async function serve(options: UpOptions): Promise<void> {
  const runDirectory = resolveRunDirectory(options.runDir);
  const { manifest, inventory } = loadFleetInputs(options);
  const lock = acquireRunDirectoryLock(runDirectory);
  // Loaded on demand: the runtime pulls in aws-cdk-lib (~1 s), which `plan` and `--help` need not pay for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LocalControlPlane } = require('../../local/control-plane') as typeof import('../../local/control-plane');
  const controlPlane = await LocalControlPlane.start({ runDirectory, manifest, inventory, persistent: options.persistent ?? false });
  onTerminationSignal(async (signal) => {
    removeLocalState(runDirectory);
    await controlPlane.stop();
    lock.release();
    process.exit(exitCodeForSignal(signal));
  });
  writeLocalState({ ...controlPlane.describe(process.pid), manifestPath: resolve(options.manifest ?? DEFAULT_MANIFEST) });
  const continued = controlPlane.stepFunctions.continuedAfterCrash;
  process.stdout.write(
    `ready: ${stateFile(runDirectory)}${controlPlane.reattached ? ' (re-attached to the running fleet)' : ''}` +
      `${continued.length > 0 ? `; continuing ${continued.length} execution(s) a crash interrupted: ${continued.join(', ')}` : ''}\n`,
  );
  await new Promise(() => undefined); // serve until signalled
}

function safeReadState(runDirectory: string): LocalState | undefined {
  try {
    return readLocalState(runDirectory);
  } catch {
    return undefined;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

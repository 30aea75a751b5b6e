import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClusterUpdateError, InputError } from '../../core/errors';
import { PACKAGE_ROOT } from '../../package-root';
import { isProcessAlive } from '../local-state';
import type { SsmDocumentContent } from '../ssm/ssm-document';
import { Ec2StandIn } from '../ec2/ec2-stand-in';
import { ServiceFaults, type ServiceFaultSettings } from '../faults/service-faults';
import { LocalIam } from '../iam/local-iam';
import { standInAuthorizers } from '../iam/stand-in-authorizers';
import type { CloudFormationTemplate } from '../template';
import { SsmEmulator } from '../ssm/ssm-emulator';
import { SimulatedFleet, type SimulatedFleetProps } from './simulated-fleet';

/** What the supervisor needs to bring the fleet up (written by the control plane, read by the supervisor). */
export interface FleetSpec {
  readonly cluster: string;
  readonly nodes: SimulatedFleetProps['nodes'];
  readonly release: string;
  readonly platformSteps: readonly string[];
  readonly selfUpdatingSteps: readonly string[];
  readonly serviceProcesses: boolean;
  readonly documents: Readonly<Record<string, SsmDocumentContent>>;
  /** Service faults to start with (SSM throttling, DynamoDB conflicts); `local fault` changes them later. */
  readonly serviceFaults?: ServiceFaultSettings;
  /** The synthesized template: SSM and EC2 evaluate each function's calls against its role in it. @default no IAM */
  readonly template?: CloudFormationTemplate;
}

/** Where a running supervisor is (`<run-dir>/fleet/fleet.json`). */
export interface FleetSupervisorState {
  readonly pid: number;
  readonly fleetUrl: string;
  readonly ssmEndpoint: string;
  /** The EC2 stand-in, which answers for the fleet's `i-` nodes. */
  readonly ec2Endpoint: string;
  readonly cluster: string;
  readonly nodes: readonly string[];
}

/** A fleet of another cluster or other nodes still runs in the run directory. */
export class FleetMismatchError extends InputError {
  public constructor(runDirectory: string, running: FleetSupervisorState) {
    super(`a simulated fleet of cluster ${running.cluster} (${running.nodes.join(', ')}) still runs in ${runDirectory} (pid ${running.pid}); run \`cluster-update local down\` first to start a different one`);
    this.name = 'FleetMismatchError';
  }
}

/** The supervisor process did not come up. */
export class FleetSupervisorStartError extends ClusterUpdateError {
  public constructor(message: string) {
    super(message);
    this.name = 'FleetSupervisorStartError';
  }
}

// From the sources and from dist/ alike (the compiled CLI runs from dist/src/…).
const BIN = resolve(PACKAGE_ROOT, 'bin', 'cluster-update.js');
const fleetDirectory = (runDirectory: string): string => join(runDirectory, 'fleet');
const specFile = (runDirectory: string): string => join(fleetDirectory(runDirectory), 'spec.json');
const stateFile = (runDirectory: string): string => join(fleetDirectory(runDirectory), 'fleet.json');

/**
 * The simulated cluster's own process: the nodes, their service processes and
 * the SSM service that runs commands on them. It is not a child of the control
 * plane (`local serve`) and has no lifeline to it, because a real cluster —
 * and SSM with the commands it is running — outlive the orchestrator: when the
 * control plane dies the services keep serving and the commands keep running,
 * and the next `local up` re-attaches (re-attached commands included).
 * `local down` (or a clean stop of `local serve`) stops it.
 *
 *   control plane (local serve) ── DynamoDB Local (lifeline), Step Functions
 *        │  HTTP only                      ✗ kill -9
 *   fleet supervisor ── service processes (exit when it dies), SSM scripts
 */
export class FleetSupervisor {
  /** Re-attaches to the supervisor running in the run directory, else starts one. */
  public static async attachOrStart(runDirectory: string, spec: FleetSpec): Promise<{ supervisor: FleetSupervisor; attached: boolean }> {
    const running = await FleetSupervisor.findRunning(runDirectory);
    if (running) {
      if (running.state.cluster !== spec.cluster || running.state.nodes.join(',') !== spec.nodes.map((n) => n.id).join(',')) throw new FleetMismatchError(runDirectory, running.state);
      return { supervisor: running, attached: true };
    }
    return { supervisor: await FleetSupervisor.start(runDirectory, spec), attached: false };
  }

  /**
   * The supervisor of this run directory, if its process lives and its controller answers. A live
   * supervisor is never doubled (two fleets on one set of node roots would fight): a slow one (a loaded
   * machine) is waited for, one that never answers is stopped before a new one starts.
   */
  public static async findRunning(runDirectory: string): Promise<FleetSupervisor | undefined> {
    const state = readFleetState(runDirectory);
    if (!state || !isProcessAlive(state.pid)) return undefined;
    const deadline = Date.now() + 30_000;
    let lastError = '';
    while (Date.now() < deadline && isProcessAlive(state.pid)) {
      try {
        // Any HTTP answer will do (an unknown route is cheap; /nodes probes every replica).
        await fetch(`${state.fleetUrl}/ping`, { signal: AbortSignal.timeout(5_000) });
        return new FleetSupervisor(runDirectory, state);
      } catch (error) {
        lastError = (error as Error).message;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    process.stderr.write(`the fleet supervisor ${state.pid} does not answer at ${state.fleetUrl} (${lastError}); stopping it and starting a new fleet\n`);
    await stopProcess(state.pid, 10_000);
    return undefined;
  }

  private static async start(runDirectory: string, spec: FleetSpec): Promise<FleetSupervisor> {
    mkdirSync(fleetDirectory(runDirectory), { recursive: true });
    rmSync(stateFile(runDirectory), { force: true });
    writeFileSync(specFile(runDirectory), JSON.stringify(spec));
    const log = openSync(join(runDirectory, 'fleet.log'), 'a');
    // Detached (its own process group) and unreferenced: nothing of the control plane's fate reaches it.
    const child = spawn(process.execPath, [BIN, 'local', 'fleet-supervisor', '--run-dir', runDirectory], { detached: true, stdio: ['ignore', log, log], env: process.env });
    child.unref();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const state = readFleetState(runDirectory);
      if (state && state.pid === child.pid) return new FleetSupervisor(runDirectory, state);
      if (child.exitCode !== null || !isProcessAlive(child.pid ?? -1)) throw new FleetSupervisorStartError(`the simulated fleet failed to start; see ${join(runDirectory, 'fleet.log')}`);
      if (Date.now() > deadline) {
        process.kill(child.pid!, 'SIGKILL');
        throw new FleetSupervisorStartError(`the simulated fleet did not start within 60 s; see ${join(runDirectory, 'fleet.log')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private constructor(public readonly runDirectory: string, public readonly state: FleetSupervisorState) {}

  /** Stops the supervisor (its services, its SSM) and waits until it has exited. */
  public async stop(): Promise<void> {
    await stopProcess(this.state.pid, 20_000);
    rmSync(stateFile(this.runDirectory), { force: true });
  }
}

/** Stops the supervisor recorded in the run directory, if one runs. */
export async function stopFleetSupervisor(runDirectory: string, pid?: number): Promise<void> {
  const recorded = readFleetState(runDirectory)?.pid ?? pid;
  if (recorded !== undefined) await stopProcess(recorded, 20_000);
  rmSync(stateFile(runDirectory), { force: true });
}

/**
 * The body of the supervisor process (`local fleet-supervisor`, started by the
 * control plane): runs the fleet and SSM until SIGTERM/SIGINT, then stops
 * every service process and exits.
 */
export async function runFleetSupervisor(runDirectory: string): Promise<never> {
  const spec = JSON.parse(readFileSync(specFile(runDirectory), 'utf8')) as FleetSpec;
  // SSM throttles here; the control plane's DynamoDB fault proxy follows these settings (ServiceFaultsMirror).
  const serviceFaults = new ServiceFaults(spec.serviceFaults);
  const fleet = await SimulatedFleet.start({
    runDirectory, cluster: spec.cluster, nodes: spec.nodes, release: spec.release,
    platformSteps: spec.platformSteps, selfUpdatingSteps: spec.selfUpdatingSteps, serviceProcesses: spec.serviceProcesses,
    serviceFaults,
  });
  const iam = spec.template ? LocalIam.ifAvailable(spec.template) : undefined;
  const authorizers = iam ? standInAuthorizers(iam) : undefined;
  const ssm = await SsmEmulator.start({ fleet, documents: spec.documents, faults: serviceFaults, authorize: authorizers?.ssm });
  // EC2 is part of the world the fleet lives in, like SSM: it outlives the control plane too.
  const ec2 = await Ec2StandIn.start({ fleet, authorize: authorizers?.ec2 });
  let stopping: Promise<never> | undefined;
  const shutdown = (code: number): Promise<never> =>
    (stopping ??= (async () => {
      if (readFleetState(runDirectory)?.pid === process.pid) rmSync(stateFile(runDirectory), { force: true }); // never another supervisor's
      await ec2.stop().catch(() => undefined);
      await ssm.stop().catch(() => undefined);
      await fleet.stop().catch(() => undefined);
      process.exit(code);
    })());
  process.on('SIGTERM', () => void shutdown(143));
  process.on('SIGINT', () => void shutdown(130));
  const state: FleetSupervisorState = { pid: process.pid, fleetUrl: fleet.url, ssmEndpoint: ssm.endpoint, ec2Endpoint: ec2.endpoint, cluster: fleet.cluster, nodes: fleet.nodeIds };
  writeFileSync(`${stateFile(runDirectory)}.tmp`, JSON.stringify(state));
  renameSync(`${stateFile(runDirectory)}.tmp`, stateFile(runDirectory));
  process.stdout.write(`fleet supervisor ${process.pid}: fleet ${fleet.url}, ssm ${ssm.endpoint}\n`);
  return new Promise<never>(() => undefined);
}

function readFleetState(runDirectory: string): FleetSupervisorState | undefined {
  const file = stateFile(runDirectory);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as FleetSupervisorState;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs: number): Promise<void> {
  if (!isProcessAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isProcessAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    while (isProcessAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
}

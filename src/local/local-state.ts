import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../core/errors';

/**
 * What `cluster-update local up` leaves behind for the other commands: where
 * each stand-in listens and what the synthesized stack is called locally.
 */
export interface LocalState {
  readonly version: 1;
  /** The background process that owns every stand-in; `local down` signals it. */
  readonly pid: number;
  readonly runDirectory: string;
  readonly startedAt: string;
  readonly region: string;
  readonly endpoints: {
    readonly dynamodb: string;
    readonly ssm: string;
    /** The EC2 stand-in (tags of `i-` nodes); absent in state written before it existed. */
    readonly ec2?: string;
    readonly stepfunctions: string;
    readonly fleet: string;
  };
  readonly tableName: string;
  readonly documentName: string;
  readonly stateMachineArn: string;
  readonly cluster: string;
  readonly nodes: readonly string[];
  /** The manifest the fleet was started with; `start` uses it when no -m is given. */
  readonly manifestPath?: string;
  /**
   * The fleet supervisor: the process that runs the simulated nodes, their
   * services and the SSM service that reaches them. It outlives the control
   * plane (`pid`), as a real cluster outlives its orchestrator; `local down` stops both.
   */
  readonly fleetPid?: number;
}

/** The state.json of a crashed runtime: its process is gone. */
export class LocalRuntimeCrashedError extends InputError {
  public constructor(public readonly runDirectory: string, public readonly pid: number) {
    super(`the local runtime in ${runDirectory} is not running: its process ${pid} is gone (state.json is stale, it crashed or was killed); run \`cluster-update local up\`${runDirectoryFlag(runDirectory)} to restart it, a running update continues where it was`);
    this.name = 'LocalRuntimeCrashedError';
  }
}

/** state.json is there but cannot be read. */
export class LocalStateUnreadableError extends InputError {
  public constructor(public readonly runDirectory: string, reason: string) {
    super(`the local runtime's ${join(runDirectory, 'state.json')} cannot be read (${reason}); run \`cluster-update local down\`${runDirectoryFlag(runDirectory)} and \`local up\` again`);
    this.name = 'LocalStateUnreadableError';
  }
}

/** The local runtime is not running where the command looked. */
export class LocalRuntimeNotRunningError extends InputError {
  public readonly runDirectory: string;
  public constructor(runDirectory: string) {
    super(`the local runtime is not running (no ${join(runDirectory, 'state.json')}); start it with \`cluster-update local up\` or use \`cluster-update demo\``);
    this.name = 'LocalRuntimeNotRunningError';
    this.runDirectory = runDirectory;
  }
}

/** `--run-dir`, else $CLUSTER_UPDATE_HOME, else `.local/` under the working directory. */
export function resolveRunDirectory(explicit?: string): string {
  return resolve(explicit ?? process.env.CLUSTER_UPDATE_HOME ?? join(process.cwd(), '.local'));
}

export function stateFile(runDirectory: string): string {
  return join(runDirectory, 'state.json');
}

export function writeLocalState(state: LocalState): void {
  mkdirSync(state.runDirectory, { recursive: true });
  const target = stateFile(state.runDirectory);
  // Write then rename, so a reader never sees half a file.
  writeFileSync(`${target}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${target}.tmp`, target);
}

export function readLocalState(runDirectory: string): LocalState {
  const file = stateFile(runDirectory);
  if (!existsSync(file)) throw new LocalRuntimeNotRunningError(runDirectory);
  let state: LocalState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as LocalState;
  } catch (error) {
    throw new LocalStateUnreadableError(runDirectory, (error as Error).message);
  }
  if (typeof state?.pid !== 'number' || typeof state.endpoints?.stepfunctions !== 'string') throw new LocalStateUnreadableError(runDirectory, 'it is not a state file of this version');
  return state;
}

/** readLocalState, and the runtime that wrote it must still be running (else LocalRuntimeCrashedError). */
export function readLiveLocalState(runDirectory: string): LocalState {
  const state = readLocalState(runDirectory);
  if (!isProcessAlive(state.pid)) throw new LocalRuntimeCrashedError(runDirectory, state.pid);
  return state;
}

/** ` --run-dir D` unless D is where the CLI looks by default. */
export function runDirectoryFlag(runDirectory: string): string {
  return resolve(runDirectory) === resolveRunDirectory() ? '' : ` --run-dir ${runDirectory}`;
}

export function removeLocalState(runDirectory: string): void {
  rmSync(stateFile(runDirectory), { force: true });
}

/** True when a process with that pid exists (signal 0 checks without killing). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but not ours to signal
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0 but runs nothing.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc here: trust the signal
  }
}

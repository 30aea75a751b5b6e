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
  return JSON.parse(readFileSync(file, 'utf8')) as LocalState;
}

export function removeLocalState(runDirectory: string): void {
  rmSync(stateFile(runDirectory), { force: true });
}

/** True when a process with that pid exists (signal 0 checks without killing). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './local-state';
import { findRunProcesses, type RunProcess } from './run-processes';

/** The kinds of process the local runtime starts, told apart by their command line. */
const OURS: readonly ((command: readonly string[]) => boolean)[] = [
  (c) => c.some((arg) => arg.endsWith('DynamoDBLocal.jar')), // java, and its lifeline wrapper
  (c) => c.some((arg) => arg.endsWith('lifeline.js')),
  (c) => c.some((arg) => arg.endsWith('service-process.js')),
  (c) => c.some((arg) => arg.endsWith('cluster-update.js')) && c.includes('local') && (c.includes('serve') || c.includes('fleet-supervisor')),
];

/**
 * Processes of this run directory's local runtime that nothing owns any more
 * (a crash left them): DynamoDB Local, a control plane, service processes. A
 * live fleet supervisor and everything under it are kept unless `includeFleet`
 * (`local down`), since `local up` re-attaches to them. Only kinds the runtime
 * starts are ever named, so an operator's shell that mentions the directory is safe.
 */
export function staleRunProcesses(runDirectory: string, options: { includeFleet?: boolean } = {}): RunProcess[] {
  const supervisor = options.includeFleet ? undefined : liveSupervisorPid(runDirectory);
  return findRunProcesses(runDirectory).filter((p) => OURS.some((isOurs) => isOurs(p.command)) && (supervisor === undefined || !descendsFrom(p.pid, supervisor)));
}

function liveSupervisorPid(runDirectory: string): number | undefined {
  const file = join(runDirectory, 'fleet', 'fleet.json');
  if (!existsSync(file)) return undefined;
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
    return isProcessAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is `ancestor` or runs under it. */
function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current = pid, hops = 0; current > 1 && hops < 64; hops += 1) {
    if (current === ancestor) return true;
    const parent = parentOf(current);
    if (parent === undefined) return false;
    current = parent;
  }
  return false;
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..." — comm may hold spaces and parentheses, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

import { readdirSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';

/** A process that belongs to a run directory: its command line names a path inside it. */
export interface RunProcess {
  readonly pid: number;
  readonly command: readonly string[];
}

/**
 * Every process on this machine whose command line names the run directory or
 * a path inside it (`local serve --run-dir D`, the fleet supervisor, DynamoDB
 * Local's `-dbPath D/dynamodb`, service processes with their node root). This
 * is how `local up` finds what a crashed run left behind and how tests prove
 * that nothing of a run is left. Linux (`/proc`) only; elsewhere it finds nothing.
 */
export function findRunProcesses(runDirectory: string): RunProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: RunProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let command: string[];
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue; // it ended while we looked
    }
    if (command.some((arg) => namesPathIn(arg, runDirectory))) found.push({ pid, command });
  }
  return found;
}

function namesPathIn(arg: string, directory: string): boolean {
  const at = arg.indexOf(directory);
  if (at < 0) return false;
  const after = arg.charAt(at + directory.length);
  return after === '' || after === sep;
}

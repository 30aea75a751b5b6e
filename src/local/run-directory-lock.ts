import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors';
import { isProcessAlive } from './local-state';

/** Another control plane holds the run directory. */
export class RunDirectoryLockedError extends InputError {
  public constructor(public readonly runDirectory: string, public readonly pid: number) {
    super(`another local runtime (pid ${pid}) holds ${runDirectory}; run \`cluster-update local down\` for it, or use another --run-dir`);
    this.name = 'RunDirectoryLockedError';
  }
}

/**
 * One control plane per run directory: `<run-dir>/serve.lock` holds the pid
 * of the one that owns it, created exclusively. A lock whose pid is dead was
 * left by a crash and is taken over.
 */
export function acquireRunDirectoryLock(runDirectory: string): { release(): void } {
  const file = join(runDirectory, 'serve.lock');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release: () => {
          if (readHolder(file) === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (holder !== undefined && holder !== process.pid && isProcessAlive(holder)) throw new RunDirectoryLockedError(runDirectory, holder);
      rmSync(file, { force: true }); // stale: its owner died
    }
  }
  throw new RunDirectoryLockedError(runDirectory, readHolder(file) ?? -1);
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

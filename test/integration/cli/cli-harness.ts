import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { readUpdate } from '../../../src/cli/operations/read-update';
import { statusJson } from '../../../src/cli/status/status-json';
import { buildUpdateView } from '../../../src/cli/status/update-view';
import { localTarget } from '../../../src/cli/targets/resolve-target';
import { readLiveLocalState } from '../../../src/local/local-state';

const BIN = join(__dirname, '../../../bin/cluster-update.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `cluster-update` binary as an operator would, with stdout a
 * pipe (so progress is in its non-TTY form), against the run directory of a
 * `local up` started by the test.
 */
export class CliHarness {
  public constructor(private readonly runDirectory: string) {}

  public run(args: readonly string[], timeoutMs = 150_000, env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env: { ...process.env, CLUSTER_UPDATE_HOME: this.runDirectory, CLUSTER_UPDATE_WATCH_INTERVAL_MS: '250', NO_COLOR: '1', ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** `status --json` of one update, parsed. */
  public async status(updateId: string): Promise<StatusJson> {
    const result = await this.run(['status', updateId, '--json']);
    if (result.code !== 0) throw new Error(`status ${updateId} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as StatusJson;
  }

  /**
   * Polls `status --json` until `predicate` holds. A wait, not what a test asserts: the status is computed in this
   * process by the code `status --json` runs (src/cli/commands/status.ts) against the run directory's runtime. A
   * start of the binary costs ~0.7 s of CPU, and polling it every 300 ms kept a core busy for as long as a test waited.
   */
  public async waitFor(updateId: string, predicate: (status: StatusJson) => boolean, timeoutMs = 60_000): Promise<StatusJson> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.statusInProcess(updateId);
      if (predicate(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out waiting on ${updateId}; last: ${JSON.stringify({ status: status.status, phase: status.phase })}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  private async statusInProcess(updateId: string): Promise<StatusJson> {
    // Read again each time: a `local up` after a crash writes new endpoints.
    const target = localTarget(readLiveLocalState(this.runDirectory));
    try {
      return statusJson(buildUpdateView(await readUpdate(target, updateId, { outages: true }), new Date())) as unknown as StatusJson;
    } finally {
      target.clients.destroy();
    }
  }
}

export interface StatusJson {
  readonly updateId: string;
  readonly executionArn: string | null;
  readonly status: string;
  readonly phase: string;
  readonly nodes: { id: string; release: string | null; state: string }[];
  readonly services: { name: string; state: string; release: string | null; reason?: string }[];
  readonly error?: string;
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/cluster-update.js');

export interface CliResult {
  readonly args: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real `cluster-update` binary, as an operator runs it, against one run directory. */
export class CliDriver {
  public constructor(private readonly runDirectory: string, private readonly env: Readonly<Record<string, string>> = {}) {}

  public run(args: readonly string[], timeoutMs = 300_000): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env: { ...process.env, CLUSTER_UPDATE_HOME: this.runDirectory, CLUSTER_UPDATE_WATCH_INTERVAL_MS: '500', NO_COLOR: '1', ...this.env }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ args, code, stdout, stderr });
        },
      );
    });
  }

  public async status(updateId: string): Promise<{ status: string; phase: string; error?: string; executionArn: string | null }> {
    const result = await this.run(['status', updateId, '--json'], 60_000);
    if (result.code !== 0) return { status: 'UNKNOWN', phase: '-', error: result.stderr.trim().split('\n')[0], executionArn: null };
    return JSON.parse(result.stdout) as { status: string; phase: string; error?: string; executionArn: string | null };
  }
}

import { EXIT_FAILED, EXIT_OK } from '../exit-codes';
import { watchUpdate } from '../operations/watch-update';
import type { UpdateView } from '../status/update-view';
import type { Target } from '../target';
import { createProgressRenderer, SILENT_PROGRESS } from './progress-renderer';
import { statusJson } from '../status/status-json';
import { exitCodeForSignal, onTerminationSignal } from '../termination-signals';

export interface FollowOptions {
  readonly json?: boolean;
  readonly executionArn?: string;
  readonly commandSuffix?: string;
  /** @default 1000 */
  readonly intervalMs?: number;
}

/**
 * `--watch`: live progress on stdout until the update's execution ends (only
 * the final JSON with `--json`); the exit code says how it ended.
 */
export async function followUpdate(target: Target, updateId: string, options: FollowOptions): Promise<number> {
  const renderer = options.json ? SILENT_PROGRESS : createProgressRenderer(process.stdout);
  // Ctrl-C or SIGTERM ends the watch, not the update: say so, and how to pick it up again.
  const stopListening = onTerminationSignal((signal) => {
    target.clients.destroy();
    process.stderr.write(`\nstopped following ${updateId} (${signal}); the update goes on: cluster-update status ${updateId} --watch${options.commandSuffix ?? ''}\n`);
    process.exit(exitCodeForSignal(signal));
  });
  let view: UpdateView;
  try {
    view = await watchUpdate(target, updateId, { renderer, executionArn: options.executionArn, commandSuffix: options.commandSuffix, intervalMs: options.intervalMs ?? pollInterval() });
  } finally {
    stopListening();
  }
  if (options.json) process.stdout.write(`${JSON.stringify(statusJson(view), null, 2)}\n`);
  return view.status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
}

/** CLUSTER_UPDATE_WATCH_INTERVAL_MS tunes how often `--watch` polls (tests poll faster). */
function pollInterval(): number {
  const value = Number(process.env.CLUSTER_UPDATE_WATCH_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : 1000;
}

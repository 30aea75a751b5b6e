import type { Plan } from '../../core/plan/types';
import type { ProgressRenderer } from '../progress/progress-renderer';
import { buildUpdateView, type UpdateView } from '../status/update-view';
import type { Target } from '../target';
import { readUpdate } from './read-update';

export interface WatchOptions {
  readonly renderer: ProgressRenderer;
  /** The execution `start` began, until the workflow records its own. */
  readonly executionArn?: string;
  /** Appended to the commands the view suggests. */
  readonly commandSuffix?: string;
  /** @default 1000 */
  readonly intervalMs?: number;
}

/**
 * Polls the stored state of one update and renders each picture until its
 * execution is over. Follows a resume onto a new execution: the update record
 * always names the current one.
 */
export async function watchUpdate(target: Target, updateId: string, options: WatchOptions): Promise<UpdateView> {
  let plan: Plan | undefined;
  for (;;) {
    const snapshot = await readUpdate(target, updateId, { plan, executionArn: options.executionArn });
    plan = snapshot.plan;
    const view = buildUpdateView(snapshot, new Date(), options.commandSuffix);
    const executionOver = snapshot.execution ? snapshot.execution.status !== 'RUNNING' : view.status !== 'PENDING' && view.status !== 'RUNNING';
    if (executionOver) {
      options.renderer.finish(view);
      return view;
    }
    options.renderer.update(view);
    await new Promise((resolve) => setTimeout(resolve, pollDelay(options.intervalMs ?? 1000, snapshot.checkpoints.length)));
  }
}

/**
 * Each poll reads every checkpoint of the update; on a big cluster (14,000
 * checkpoints at 1,000 nodes) that is megabytes, so the pause grows with it:
 * 1 ms per checkpoint, at least the interval asked for.
 */
export function pollDelay(intervalMs: number, checkpoints: number): number {
  return Math.max(intervalMs, checkpoints);
}

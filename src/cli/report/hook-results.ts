import type { CheckpointRecord } from '../../aws/store/checkpoint-store';
import type { CheckpointStatus } from '../../core/checkpoint/transitions';
import { aggregateBars } from './bar-aggregation';
import { checkpointBar } from './timeline-lanes';

/** One hook's outcome over every node it ran on. */
export interface HookResult {
  readonly phase: 'pre-hooks' | 'post-hooks';
  readonly name: string;
  /** The most alarming status among its nodes (FAILED over RUNNING over SUCCEEDED over SKIPPED). */
  readonly status: CheckpointStatus;
  /** Skipped on every node it would have run on (by the operator, for a skippable hook). */
  readonly skipped: boolean;
  readonly nodes: number;
  readonly statusCounts: Readonly<Partial<Record<CheckpointStatus, number>>>;
  /** From the first node's start to the last node's end; absent when it never ran. */
  readonly durationMs?: number;
  readonly error?: string;
  readonly reason?: string;
}

/** The hooks' results, pre-update hooks first, each phase in the order its hooks ran. */
export function hookResults(checkpoints: readonly CheckpointRecord[], generatedMs: number): HookResult[] {
  return (['pre-hooks', 'post-hooks'] as const).flatMap((phase) => {
    const byHook = new Map<string, CheckpointRecord[]>();
    for (const c of checkpoints.filter((c) => c.phase === phase)) {
      const own = byHook.get(c.step);
      if (own) own.push(c);
      else byHook.set(c.step, [c]);
    }
    return [...byHook]
      .map(([name, own]) => {
        const bar = aggregateBars(own.map((c) => checkpointBar(c, generatedMs, generatedMs)), { target: `${own.length} nodes`, step: name });
        const result: HookResult = {
          phase,
          name,
          status: bar.status,
          skipped: own.every((c) => c.status === 'SKIPPED'),
          nodes: new Set(own.map((c) => c.target)).size,
          statusCounts: bar.statusCounts,
          ...(bar.kind === 'span' ? { durationMs: bar.endMs - bar.startMs } : {}),
          ...(bar.error !== undefined ? { error: bar.error } : {}),
          ...(bar.reason !== undefined ? { reason: bar.reason } : {}),
        };
        return { result, at: bar.startMs };
      })
      .sort((a, b) => a.at - b.at || a.result.name.localeCompare(b.result.name))
      .map(({ result }) => result);
  });
}

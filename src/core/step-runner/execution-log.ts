import { UNLEDGERED_KINDS, type StepKind } from './step-runner-contract';

/**
 * The step runner's execution log on a node (STEP_RUNNER_FILES.executionLog): one record when a step's command
 * really starts and one when it ends, paired by an execution id (`<command id>-<shell pid>`):
 *   `<ISO time> <command id> <update id> <kind> <step> started <execution>`
 *   `<ISO time> <command id> <update id> <kind> <step> ended <execution> <exit code>`
 * A run killed outright (SIGKILL) has no `ended` record; SIGTERM (a cancel, a timeout) still writes one. Lines of
 * the older one-record format (`<time> <command id> <update id> <kind> <step>`) read as starts.
 */
export interface StepExecution {
  readonly execution: string;
  readonly commandId: string;
  readonly updateId: string;
  readonly kind: string;
  readonly step: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly exitCode?: number;
}

/** The executions a log records, in the order they started. */
export function parseExecutionLog(text: string): StepExecution[] {
  const executions = new Map<string, { -readonly [K in keyof StepExecution]: StepExecution[K] }>();
  for (const line of text.split('\n')) {
    const [time, commandId, updateId, kind, step, what, execution, exitCode] = line.trim().split(/\s+/);
    if (!time || !commandId || !updateId || !kind || !step) continue;
    if (what === 'ended' && execution) {
      const started = executions.get(execution);
      if (started) Object.assign(started, { endedAt: time, exitCode: Number(exitCode) });
      continue;
    }
    const id = what === 'started' && execution ? execution : `${commandId}@${time}`;
    executions.set(id, { execution: id, commandId, updateId, kind, step, startedAt: time });
  }
  return [...executions.values()];
}

export interface ExecutionLogVerdict {
  /** (node, update, kind, step) of a ledgered step that completed (exit 0) more than once. */
  readonly ranTwice: readonly { node: string; step: string; executions: readonly string[] }[];
  /** Two executions of one (node, update, kind, step) whose times overlap: the second started before the first ended. */
  readonly overlaps: readonly { node: string; step: string; first: string; second: string; firstEndedAt: string; secondStartedAt: string }[];
  /** Executions with no `ended` record followed by another of the same step (killed outright): their end is unknown. */
  readonly unended: readonly { node: string; step: string; execution: string }[];
  readonly executions: number;
}

/**
 * "Never two copies at once": per node, no ledgered (update, kind, step) completed twice, and no two
 * executions of the same (update, kind, step) overlapped in time (the step runner's flock serializes them).
 */
export function checkExecutionLogs(logs: Readonly<Record<string, readonly StepExecution[]>>): ExecutionLogVerdict {
  const ranTwice: { node: string; step: string; executions: string[] }[] = [];
  const overlaps: ExecutionLogVerdict['overlaps'][number][] = [];
  const unended: { node: string; step: string; execution: string }[] = [];
  let count = 0;
  for (const [node, executions] of Object.entries(logs)) {
    const bySteps = new Map<string, StepExecution[]>();
    for (const e of executions) {
      const key = `${e.updateId} ${e.kind} ${e.step}`;
      (bySteps.get(key) ?? bySteps.set(key, []).get(key)!).push(e);
      count += 1;
    }
    for (const [step, runs] of bySteps) {
      const ordered = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
      const completed = ordered.filter((e) => e.exitCode === 0);
      if (completed.length > 1 && !UNLEDGERED_KINDS.includes(ordered[0]!.kind as StepKind)) ranTwice.push({ node, step, executions: completed.map((e) => e.execution) });
      for (let i = 1; i < ordered.length; i += 1) {
        const second = ordered[i]!;
        // Every earlier execution must have ended by the time this one started.
        for (const first of ordered.slice(0, i)) {
          if (first.endedAt === undefined) {
            if (i === ordered.indexOf(first) + 1) unended.push({ node, step, execution: first.execution });
          } else if (Date.parse(second.startedAt) < Date.parse(first.endedAt)) {
            overlaps.push({ node, step, first: first.execution, second: second.execution, firstEndedAt: first.endedAt, secondStartedAt: second.startedAt });
          }
        }
      }
    }
  }
  return { ranTwice, overlaps, unended, executions: count };
}

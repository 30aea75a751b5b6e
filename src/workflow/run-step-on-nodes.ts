import { commandBatches, type InvocationResult } from '../aws/commands/command-runner';
import type { CheckpointKey } from '../aws/store/checkpoint-store';
import { stepRunnerParameters } from '../core/step-runner/step-runner-contract';
import { crashAtAny } from './simulated-crash';
import type { StepCommand } from './step-scripts';
import { guardOf, type TaskInput, type WorkflowContext } from './workflow-context';

export interface StepOnNodes {
  readonly nodes: readonly string[];
  /** The checkpoint of this step on a node. */
  readonly keyFor: (node: string) => CheckpointKey;
  readonly command: StepCommand;
  readonly release: string;
  readonly previous?: string;
  /** How long the step is expected to take (the same step on the canary, expectedDuration): a poll is aimed at its end. */
  readonly expectedMs?: number;
  /**
   * Asked right before the step is begun on nodes where it has not been: false, and nothing is begun or sent there
   * (they come back in `notBegun`). Asked in the same synchronous run as the first begin, so no step is begun
   * after the answer changed (the drain of a node once more nodes failed than allowed).
   */
  readonly mayBegin?: () => boolean;
  /** Told of a node's failure before its FAILED checkpoint is written, so the scheduler knows no later than the record. */
  readonly onFailed?: (node: string, error: string) => void;
}

export interface StepOutcome {
  readonly succeeded: readonly string[];
  readonly failed: readonly { readonly node: string; readonly error: string }[];
  /** Still running when the poll budget ran out; the next task invocation re-attaches. */
  readonly pending: readonly string[];
  /** Not begun because `mayBegin` said no. */
  readonly notBegun?: readonly string[];
}

/**
 * Runs one step on a set of nodes, idempotently:
 *   SUCCEEDED checkpoint      → nothing is sent (a rerun skips finished work)
 *   FAILED at this fence      → nothing is sent: it failed in this execution, and only a resume
 *                               (which always advances the fence) sends a failed step again
 *   RUNNING with command ids  → re-attach to that command (SendCommand has no idempotency token),
 *                               unless `stop --now` cancelled it: then it is sent again
 *   anything else             → begin, then batch by batch (≤ 50 nodes): send, store the command id,
 *                               and only then send the next batch; then wait
 * A throttle on batch k fails the task with batches 0..k-1 stored, so the retry re-attaches to them;
 * a command sent twice anyway (a crash between send and store) is run once by the node's step runner
 * (flock + ledger).
 */
export async function runStepOnNodes(context: WorkflowContext, input: TaskInput, run: StepOnNodes, deadline: number): Promise<StepOutcome> {
  const guard = guardOf(input);
  const current = await Promise.all(run.nodes.map(async (node) => ({ node, record: await context.checkpoints.get(run.keyFor(node)) })));
  const succeeded = current.filter((c) => c.record?.status === 'SUCCEEDED').map((c) => c.node);
  const failed: { node: string; error: string }[] = current
    .filter((c) => c.record?.status === 'FAILED' && c.record.fence === guard.fence)
    .map((c) => ({ node: c.node, error: c.record!.error ?? `${run.command.kind} ${run.command.step} on ${c.node} failed` }));
  const settled = new Set([...succeeded, ...failed.map((f) => f.node)]);
  const attached = await withoutCancelled(context, current.filter((c) => c.record?.status === 'RUNNING' && c.record.commandId && c.record.fence <= guard.fence));
  let toSend = current.filter((c) => !settled.has(c.node) && !attached.includes(c)).map((c) => c.node);

  const commandOf = new Map<string, string>(attached.map((c) => [c.node, c.record!.commandId!]));
  // What each node's checkpoint is known to hold, passed to the next write so the store need not read it again
  // (a round trip each, on the critical path of every step: checkpoint-store.ts, ReadCheckpoint).
  const known = new Map(current.map((c) => [c.node, c.record]));
  const notBegun: string[] = [];
  if (toSend.length > 0 && run.mayBegin && !run.mayBegin()) {
    // Asked once, in the same synchronous run as the first batch's begin. A step RUNNING without a command id may
    // have been sent before a crash: it is sent again, never given up.
    notBegun.push(...toSend.filter((node) => known.get(node)?.status !== 'RUNNING'));
    toSend = toSend.filter((node) => known.get(node)?.status === 'RUNNING');
  }
  if (toSend.length > 0) {
    const parameters = stepRunnerParameters({
      updateId: input.updateId,
      kind: run.command.kind,
      step: run.command.step,
      release: run.release,
      previous: run.previous,
      script: run.command.script,
      timeoutSeconds: run.command.timeoutSeconds,
    });
    const batches = commandBatches(toSend);
    for (const [index, batch] of batches.entries()) {
      const keys = batch.map((node) => run.keyFor(node));
      // Crash points (local runtime only, simulated-crash.ts) between each pair of side effects below.
      if (index > 0) crashAtAny('between-batches', keys);
      // Each node's checkpoint is its own item: written side by side (a batch's writes one after another cost a
      // round trip each on the critical path of every step).
      await Promise.all(batch.map(async (node, i) => known.set(node, await context.checkpoints.begin(keys[i]!, guard, { current: known.get(node) }))));
      crashAtAny('before-send', keys);
      const commandId = await context.commands.send({ instanceIds: batch, parameters, comment: `${input.updateId} ${run.command.kind} ${run.command.step}` });
      crashAtAny('after-send', keys);
      await Promise.all(
        batch.map(async (node, i) => {
          commandOf.set(node, commandId);
          const key = keys[i]!;
          known.set(node, await context.checkpoints.attachCommand(key, guard, commandId, { current: known.get(node) }));
          context.observer?.commandSent({ phase: key.phase, target: key.target, step: key.step, node, commandId });
        }),
      );
    }
  }
  if (commandOf.size === 0) return { succeeded, failed, pending: [], notBegun };

  // The expected end is known from the send only: a re-attached command started in an earlier invocation.
  const expectedMs = attached.length === 0 ? run.expectedMs : undefined;
  const results = await context.commands.waitFor([...new Set(commandOf.values())], Math.max(0, deadline - Date.now()), context.settings.pollIntervalMs, { expectedMs });
  const byNode = new Map(results.map((r) => [r.instanceId, r]));
  const pending: string[] = [];
  await Promise.all(
    [...commandOf.keys()].map(async (node) => {
      const result = byNode.get(node);
      if (!result || result.outcome === 'pending') {
        pending.push(node);
      } else if (result.outcome === 'succeeded') {
        await context.checkpoints.succeed(run.keyFor(node), guard, { output: result.output }, { current: known.get(node) });
        succeeded.push(node);
        observe(context, run.keyFor(node), node, commandOf.get(node)!, 'SUCCEEDED');
      } else {
        const error = describeFailure(run.command, node, result);
        run.onFailed?.(node, error);
        await context.checkpoints.fail(run.keyFor(node), guard, { error, output: result.output }, { current: known.get(node) });
        failed.push({ node, error });
        observe(context, run.keyFor(node), node, commandOf.get(node)!, 'FAILED', error);
      }
    }),
  );
  return { succeeded, failed, pending, notBegun };
}

/** What went wrong, in the words an operator needs: the step, the node, and for a timeout the limit it hit. */
function describeFailure(command: StepCommand, node: string, result: InvocationResult): string {
  const what = `${command.kind} ${command.step} on ${node}`;
  if (result.status === 'TimedOut' && result.statusDetails === 'ExecutionTimedOut') {
    return `${what} timed out after ${command.timeoutSeconds} s (timeoutSeconds)${lastLine(result.output) ? `: ${lastLine(result.output)}` : ''}`;
  }
  return `${what}: ${result.status}${result.statusDetails !== result.status ? ` (${result.statusDetails})` : ''}, exit ${result.responseCode}: ${lastLine(result.output)}`;
}

function observe(context: WorkflowContext, key: CheckpointKey, node: string, commandId: string, status: 'SUCCEEDED' | 'FAILED', error?: string): void {
  context.observer?.stepEnded({ phase: key.phase, target: key.target, step: key.step, node, commandId, status, ...(error ? { error } : {}) });
}

/** Re-attachable steps minus those whose command was cancelled (an interrupted step, not a failed one). */
async function withoutCancelled<T extends { node: string; record?: { commandId?: string } }>(context: WorkflowContext, attached: T[]): Promise<T[]> {
  if (attached.length === 0) return attached;
  const results = await context.commands.results([...new Set(attached.map((c) => c.record!.commandId!))]);
  const cancelled = new Set(results.filter((r) => r.status === 'Cancelled').map((r) => r.instanceId));
  return attached.filter((c) => !cancelled.has(c.node));
}

function lastLine(output: string): string {
  return output.trim().split('\n').filter(Boolean).pop() ?? '';
}

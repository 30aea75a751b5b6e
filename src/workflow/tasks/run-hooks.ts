import { healthyNodes, loadUpdate } from '../load-update';
import { runStepOnNodes } from '../run-step-on-nodes';
import { hookCommand } from '../step-scripts';
import { HookFailedError } from '../workflow-errors';
import { guardOf, type TaskInput, type WorkflowContext } from '../workflow-context';

export interface RunHooksInput extends TaskInput {
  readonly hookPhase: 'pre' | 'post';
}

/**
 * Runs the pre- or post-update hooks on every healthy node, hook after hook.
 * A failed hook stops the update (HookFailedError) unless the operator skipped
 * it by name and it is skippable; the skip is recorded as SKIPPED checkpoints.
 */
export async function runHooks(context: WorkflowContext, input: RunHooksInput): Promise<{ done: boolean }> {
  const deadline = Date.now() + context.settings.pollBudgetMs;
  const { record, plan } = await loadUpdate(context, input.updateId);
  const hooks = input.hookPhase === 'pre' ? record.manifest.hooks.preUpdate : record.manifest.hooks.postUpdate;
  const phase = input.hookPhase === 'pre' ? ('pre-hooks' as const) : ('post-hooks' as const);
  // A stopped update skips its post-update hooks: the cluster is not at the new release yet.
  if (input.hookPhase === 'post' && record.stopRequested) return { done: true };
  const nodes = healthyNodes(plan);
  if (record.phase !== phase) await context.updates.setStatus(input.updateId, 'RUNNING', phase);
  for (const hook of hooks) {
    const keyFor = (node: string) => ({ updateId: input.updateId, phase, target: node, step: hook.name });
    if (hook.skippable && record.skipChecks.includes(hook.name)) {
      const existing = await Promise.all(nodes.map((n) => context.checkpoints.get(keyFor(n))));
      const toSkip = nodes.filter((_, i) => existing[i]?.status !== 'SKIPPED' && existing[i]?.status !== 'SUCCEEDED');
      await context.checkpoints.recordMany(toSkip.map(keyFor), guardOf(input), 'SKIPPED', { reason: 'skipped by operator' });
      continue;
    }
    const outcome = await runStepOnNodes(context, input, { nodes, keyFor, command: hookCommand(hook, input.hookPhase), release: record.release, previous: record.previous }, deadline);
    if (outcome.failed.length > 0) throw new HookFailedError(hook.name, outcome.failed.map((f) => f.error));
    if (outcome.pending.length > 0) return { done: false };
  }
  return { done: true };
}

import type { CheckpointKey } from '../../aws/store/checkpoint-store';
import { ancestors, buildServiceGraph } from '../../core/dag/service-graph';
import type { Manifest } from '../../core/manifest/schema';
import { canarySteps, canaryStepName, canaryStepService, type CanaryStep } from '../../core/workflow/canary-steps';
import { loadUpdate } from '../load-update';
import { runStepOnNodes } from '../run-step-on-nodes';
import { drainCommand, healthCommand, platformCommand, rejoinCommand, serviceCommand, type StepCommand } from '../step-scripts';
import { CanaryFailedError } from '../workflow-errors';
import { guardOf, type TaskInput, type WorkflowContext } from '../workflow-context';

export interface CanaryStepInput extends TaskInput {
  readonly cursor: number;
  /** The state machine's poll period: no watch Wait is longer. @default 5 */
  readonly pollSeconds?: number;
}

export interface CanaryProgress {
  readonly cursor: number;
  readonly done: boolean;
  /** > 0: the state machine waits this long (one tick of the watch) before the next invocation. */
  readonly waitSeconds: number;
}

/**
 * Advances the canary through its steps (see `canarySteps`), as many as the
 * poll budget allows per invocation.
 * - drain, platform, rejoin: a failure ends the update here, every other node untouched;
 * - a service, a one-off or a health check: a failure fails that service
 *   (its `service` checkpoint FAILED with the error) and skips the canary
 *   steps of its dependents; the canary goes on, and the rollout skips the
 *   failed service's subgraph cluster-wide;
 * - the watch, after rejoin while the canary serves: a checkpoint counting
 *   the seconds watched, in ticks of at most min(poll, lease/4) (each a Wait
 *   in the state machine), so no Wait outlives a fraction of the lease and a
 *   resume does not wait again.
 */
export async function canaryStep(context: WorkflowContext, input: CanaryStepInput): Promise<CanaryProgress> {
  const deadline = Date.now() + context.settings.pollBudgetMs;
  const guard = guardOf(input);
  const { record, plan } = await loadUpdate(context, input.updateId);
  const steps = canarySteps(record.manifest, plan);
  const graph = buildServiceGraph(record.manifest.services);
  const key = (step: string) => ({ updateId: input.updateId, phase: 'canary' as const, target: plan.canary, step });
  if (input.cursor === 0) await context.updates.setStatus(input.updateId, 'RUNNING', 'canary');

  // Services that failed on the canary in this pass: their steps FAILED with this fence, or FAILED behind the
  // cursor, which this pass does not go back to (a redrive continues at the cursor after re-acquiring the lock with
  // a new fence; a new execution starts at 0 and retries them).
  const serviceOfStep = new Map(steps.map((s) => [canaryStepName(s), canaryStepService(s)]));
  const indexOfStep = new Map(steps.map((s, i) => [canaryStepName(s), i]));
  const failedHere = new Set<string>();
  for (const c of await context.checkpoints.query(input.updateId, { phase: 'canary' })) {
    const service = serviceOfStep.get(c.step);
    const behind = (indexOfStep.get(c.step) ?? Infinity) < input.cursor;
    if (service && c.status === 'FAILED' && (c.fence === guard.fence || behind)) failedHere.add(service);
  }

  let cursor = input.cursor;
  while (cursor < steps.length && Date.now() < deadline) {
    const step = steps[cursor]!;
    const name = canaryStepName(step);
    if (step.kind === 'watch') {
      const waitSeconds = await watchTick(context, input, key(name), step.seconds);
      if (waitSeconds > 0) return { cursor, done: false, waitSeconds };
      cursor += 1;
      continue;
    }
    const service = canaryStepService(step);
    if (service) {
      const failedRoot = failedHere.has(service) ? service : [...ancestors(graph, service)].find((a) => failedHere.has(a));
      if (failedRoot) {
        if (failedRoot !== service) await skipStep(context, input, key(name), `skipped because ${failedRoot} failed`);
        cursor += 1;
        continue;
      }
    }
    const outcome = await runStepOnNodes(
      context,
      input,
      { nodes: [plan.canary], keyFor: () => key(name), command: commandFor(step, record.manifest), release: record.release, previous: record.previous },
      deadline,
    );
    if (outcome.failed.length > 0) {
      const error = outcome.failed[0]!.error;
      if (!service) throw new CanaryFailedError(plan.canary, name, error);
      await failService(context, input, service, `on the canary ${plan.canary}: ${error}`);
      failedHere.add(service);
      cursor += 1;
      continue;
    }
    if (outcome.pending.length > 0) return { cursor, done: false, waitSeconds: 0 };
    cursor += 1;
  }
  return { cursor, done: cursor >= steps.length, waitSeconds: 0 };
}

/** One tick of the watch: the seconds still to wait now (0 = the watch is over and recorded). */
async function watchTick(context: WorkflowContext, input: CanaryStepInput, key: CheckpointKey, seconds: number): Promise<number> {
  const current = await context.checkpoints.get(key);
  if (current?.status === 'SUCCEEDED') return 0;
  // Each tick is recorded before its Wait: the next invocation comes after it, so it counts as watched.
  const watched = current?.status === 'RUNNING' ? (current.progress ?? 0) : 0;
  if (watched >= seconds) {
    await context.checkpoints.succeed(key, guardOf(input), { output: `watched ${seconds} s while serving` });
    return 0;
  }
  const tick = Math.min(seconds - watched, input.pollSeconds ?? 5, Math.max(1, Math.floor(context.settings.leaseSeconds / 4)));
  await context.checkpoints.recordProgress(key, guardOf(input), watched + tick);
  return tick;
}

async function skipStep(context: WorkflowContext, input: TaskInput, key: CheckpointKey, reason: string): Promise<void> {
  const current = await context.checkpoints.get(key);
  if (current?.status === 'SUCCEEDED' || (current?.status === 'SKIPPED' && current.fence === input.fence)) return;
  await context.checkpoints.skip(key, guardOf(input), { reason });
}

/** The service as a whole failed (on the canary): FAILED with the error, so status shows it and the rollout skips its subgraph. */
async function failService(context: WorkflowContext, input: TaskInput, service: string, error: string): Promise<void> {
  const key = { updateId: input.updateId, phase: 'service' as const, target: service, step: 'service' };
  const current = await context.checkpoints.get(key);
  if (current?.status === 'FAILED' && current.fence === input.fence) return;
  await context.checkpoints.begin(key, guardOf(input));
  await context.checkpoints.fail(key, guardOf(input), { error });
}

function commandFor(step: Exclude<CanaryStep, { kind: 'watch' }>, manifest: Manifest): StepCommand {
  const service = (name: string) => manifest.services.find((s) => s.name === name)!;
  switch (step.kind) {
    case 'drain':
      return drainCommand(manifest);
    case 'rejoin':
      return rejoinCommand(manifest);
    case 'platform':
      return platformCommand(manifest, step.step);
    case 'service':
      return serviceCommand(service(step.service));
    case 'health':
    case 'serving-health':
      return healthCommand(service(step.service), { expectRelease: true });
  }
}

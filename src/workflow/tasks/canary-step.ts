import { canarySteps, canaryStepName, type CanaryStep } from '../../core/workflow/canary-steps';
import type { Manifest } from '../../core/manifest/schema';
import { loadUpdate } from '../load-update';
import { runStepOnNodes } from '../run-step-on-nodes';
import { drainCommand, healthCommand, platformCommand, rejoinCommand, serviceCommand, type StepCommand } from '../step-scripts';
import { CanaryFailedError } from '../workflow-errors';
import type { TaskInput, WorkflowContext, WorkflowSettings } from '../workflow-context';

export interface CanaryStepInput extends TaskInput {
  readonly cursor: number;
}

export interface CanaryProgress {
  readonly cursor: number;
  readonly done: boolean;
  /** > 0: the state machine waits this long (the watch period) before the next step. */
  readonly waitSeconds: number;
}

/**
 * Advances the canary through its steps (drain, platform, services, health,
 * watch, rejoin), as many as the poll budget allows per invocation. A failure
 * ends the update here, with every other node untouched.
 */
export async function canaryStep(context: WorkflowContext, input: CanaryStepInput): Promise<CanaryProgress> {
  const deadline = Date.now() + context.settings.pollBudgetMs;
  const { record, plan } = await loadUpdate(context, input.updateId);
  const steps = canarySteps(record.manifest, plan);
  if (input.cursor === 0) await context.updates.setStatus(input.updateId, 'RUNNING', 'canary');
  let cursor = input.cursor;
  while (cursor < steps.length && Date.now() < deadline) {
    const step = steps[cursor]!;
    if (step.kind === 'watch') return { cursor: cursor + 1, done: false, waitSeconds: step.seconds };
    const name = canaryStepName(step);
    const outcome = await runStepOnNodes(
      context,
      input,
      { nodes: [plan.canary], keyFor: () => ({ updateId: input.updateId, phase: 'canary', target: plan.canary, step: name }), command: commandFor(step, record.manifest, context.settings), release: record.release, previous: record.previous },
      deadline,
    );
    if (outcome.failed.length > 0) throw new CanaryFailedError(plan.canary, name, outcome.failed[0]!.error);
    if (outcome.pending.length > 0) return { cursor, done: false, waitSeconds: 0 };
    cursor += 1;
  }
  await context.locks.renew({ ...input, leaseSeconds: context.settings.leaseSeconds });
  return { cursor, done: cursor >= steps.length, waitSeconds: 0 };
}

function commandFor(step: Exclude<CanaryStep, { kind: 'watch' }>, manifest: Manifest, settings: WorkflowSettings): StepCommand {
  const service = (name: string) => manifest.services.find((s) => s.name === name)!;
  switch (step.kind) {
    case 'drain':
      return drainCommand(settings);
    case 'rejoin':
      return rejoinCommand(settings);
    case 'platform':
      return platformCommand(manifest, step.step);
    case 'service':
      return serviceCommand(service(step.service));
    case 'health':
      return healthCommand(service(step.service));
  }
}

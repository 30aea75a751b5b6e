import { buildServiceGraph } from '../../core/dag/service-graph';
import { decideLevel } from '../../core/workflow/service-levels';
import { loadUpdate } from '../load-update';
import { serviceStatesThisRun } from '../service-states';
import { guardOf, type TaskInput, type WorkflowContext } from '../workflow-context';

export interface NextServiceLevelInput extends TaskInput {
  readonly level: number;
}

export interface ServiceLevel {
  readonly level: number;
  readonly nextLevel: number;
  readonly services: readonly string[];
  readonly done: boolean;
  readonly stopped: boolean;
}

/**
 * The services of one DAG level to update now: those with an ancestor FAILED
 * in this run are recorded SKIPPED (naming it), UPDATED ones and ones FAILED
 * in this run are left alone. A graceful stop is honoured between levels.
 */
export async function nextServiceLevel(context: WorkflowContext, input: NextServiceLevelInput): Promise<ServiceLevel> {
  const { record, plan } = await loadUpdate(context, input.updateId);
  const end = { level: input.level, nextLevel: input.level, services: [], done: true };
  if (input.level >= plan.serviceOrder.length) return { ...end, stopped: false };
  if (record.stopRequested) return { ...end, stopped: true };
  const order = plan.serviceOrder.flat();
  // The rollout runs with the fence HandOver gave it, one past the canary's: a service the canary failed in
  // this run stays FAILED (its subgraph is skipped, it is not sent again); one of an earlier run runs again.
  const states = serviceStatesThisRun(order, await context.checkpoints.query(input.updateId, { phase: 'service' }), input.fence - 1);
  const decision = decideLevel(plan.serviceOrder[input.level]!, buildServiceGraph(record.manifest.services), states, order);
  for (const { service, because } of decision.skip) {
    await context.checkpoints.skip({ updateId: input.updateId, phase: 'service', target: service, step: 'service' }, guardOf(input), { reason: `skipped because ${because} failed` });
  }
  return { level: input.level, nextLevel: input.level + 1, services: decision.run, done: false, stopped: false };
}

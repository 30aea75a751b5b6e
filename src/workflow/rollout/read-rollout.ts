import type { CheckpointRecord } from '../../aws/store/checkpoint-store';
import type { Plan } from '../../core/plan/types';
import type { Claim, RolloutModel } from '../../core/schedule';
import { healthyNodes } from '../load-update';
import type { TaskInput, WorkflowContext } from '../workflow-context';
import { parseHolder } from './rollout-holders';
import { RolloutLedger } from './rollout-ledger';

export interface RolloutAtStart {
  readonly ledger: RolloutLedger;
  /** Claims this update holds that are to be worked on now: left by an earlier invocation, or a resume's repairs. */
  readonly inForce: readonly Claim[];
}

/**
 * The rollout as a task invocation finds it, from the checkpoints and the node mutexes (the two things an earlier
 * invocation, or an earlier run of the update, leaves behind):
 * - done is done whatever the fence: a platform outage whose `node` checkpoint SUCCEEDED, a replica whose check
 *   (`health-<node>`) SUCCEEDED, the canary's replicas and one-offs the canary ran;
 * - failed counts only when it failed in this run (a rollout checkpoint with this fence, a service FAILED from
 *   the canary on, i.e. fence − 1): a resume retries what failed before;
 * - every claim on a mutex of this update is in force: a live one is picked up where it stopped (its steps
 *   re-attach), one that failed in this run holds its node out, one that failed in an earlier run is a repair,
 *   taken up first — its replicas are out already, so it costs no budget.
 */
export async function readRollout(context: WorkflowContext, input: TaskInput, plan: Plan, model: RolloutModel): Promise<RolloutAtStart> {
  const ledger = new RolloutLedger();
  const [wave, service, canary, mutexes] = await Promise.all([
    context.checkpoints.query(input.updateId, { phase: 'wave' }),
    context.checkpoints.query(input.updateId, { phase: 'service' }),
    context.checkpoints.query(input.updateId, { phase: 'canary' }),
    context.slots.mutexes(input.cluster, healthyNodes(plan)),
  ]);
  ledger.nodeDone(plan.canary);
  for (const c of wave) {
    if (c.step !== 'node') continue;
    if (c.status === 'SUCCEEDED') ledger.nodeDone(c.target);
    else if (c.status === 'FAILED' && c.fence === input.fence) ledger.nodeFailed(c.target, c.error);
  }

  // Indexed once (service → step → record): a cluster's update holds a few checkpoints per replica, and each
  // replica looks up three of them.
  const byService = new Map<string, Map<string, CheckpointRecord>>();
  for (const c of service) {
    let steps = byService.get(c.target);
    if (!steps) byService.set(c.target, (steps = new Map()));
    steps.set(c.step, c);
  }
  const onCanary = new Map(canary.filter((c) => c.target === plan.canary).map((c) => [c.step, c]));
  const succeeded = (record: CheckpointRecord | undefined) => record?.status === 'SUCCEEDED';
  const failedNow = (record: CheckpointRecord | undefined) => record?.status === 'FAILED' && record.fence === input.fence;
  for (const name of model.order) {
    const steps = byService.get(name) ?? new Map<string, CheckpointRecord>();
    const own = steps.get('service');
    if (own?.status === 'FAILED' && own.fence >= input.fence - 1) ledger.serviceFailed(name);
    if (model.oneOffs.has(name)) {
      if (succeeded(own) || succeeded(onCanary.get(`oneoff-${name}`)) || [...steps].some(([step, c]) => step.startsWith('run-') && succeeded(c))) ledger.oneOffRan(name);
      continue;
    }
    for (const node of model.replicas.get(name) ?? []) {
      const done =
        succeeded(own) ||
        succeeded(steps.get(`health-${node}`)) ||
        // The canary's replica updated and then passed its check while serving. The check alone is not enough: a
        // redrive continues the canary past an update that failed under the old fence, and the old release answers
        // the check (chaos seed 32).
        (node === plan.canary && succeeded(onCanary.get(`service-${name}`)) && succeeded(onCanary.get(`serving-health-${name}`)));
      if (done) ledger.replicaDone(name, node);
      else if (failedNow(steps.get(`update-${node}`)) || failedNow(steps.get(`health-${node}`))) ledger.replicaFailed(name, node);
    }
  }

  const inForce: Claim[] = [];
  for (const [node, mutex] of mutexes) {
    if (mutex.updateId !== input.updateId) continue;
    const holder = parseHolder(mutex.holder);
    if (!holder) continue;
    if (mutex.failed && mutex.fence === input.fence) {
      // Failed in this run: out until a resume (a failed platform outage is in `wave` already).
      if (holder.kind === 'service' && !model.oneOffs.has(holder.service)) ledger.replicaFailed(holder.service, node);
      ledger.nodeHeldOut(node, `${node} is held out by the failed ${mutex.holder}${mutex.error ? ` (${mutex.error})` : ''}`);
      continue;
    }
    if (holder.kind === 'platform') {
      if (!ledger.isNodeDone(node)) inForce.push({ kind: 'platform', node, out: model.hosted.get(node) ?? [], updates: [] });
    } else {
      // A replica whose check passed but whose claim was never given back (the invocation ended in between) is
      // in force too: its work finds every step done and gives the claim back.
      inForce.push(model.oneOffs.has(holder.service) ? { kind: 'one-off', node, service: holder.service } : { kind: 'replica', node, service: holder.service });
    }
  }
  return { ledger, inForce };
}

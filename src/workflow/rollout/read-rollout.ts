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

  const succeeded = (records: readonly CheckpointRecord[], target: string, step: string) => records.some((c) => c.target === target && c.step === step && c.status === 'SUCCEEDED');
  for (const name of model.order) {
    const records = service.filter((c) => c.target === name);
    const own = records.find((c) => c.step === 'service');
    if (own?.status === 'FAILED' && own.fence >= input.fence - 1) ledger.serviceFailed(name);
    if (model.oneOffs.has(name)) {
      if (own?.status === 'SUCCEEDED' || succeeded(canary, plan.canary, `oneoff-${name}`) || records.some((c) => c.step.startsWith('run-') && c.status === 'SUCCEEDED')) ledger.oneOffRan(name);
      continue;
    }
    for (const node of model.replicas.get(name) ?? []) {
      const done =
        own?.status === 'SUCCEEDED' ||
        succeeded(records, name, `health-${node}`) ||
        // The canary's replica passed its check while serving (the update alone is not enough: see canaryReplicaDone).
        (node === plan.canary && succeeded(canary, node, `service-${name}`) && succeeded(canary, node, `serving-health-${name}`));
      if (done) ledger.replicaDone(name, node);
      else if (records.some((c) => (c.step === `update-${node}` || c.step === `health-${node}`) && c.status === 'FAILED' && c.fence === input.fence)) ledger.replicaFailed(name, node);
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

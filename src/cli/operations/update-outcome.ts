import type { CheckpointRecord } from '../../aws/store/checkpoint-store';
import type { Plan } from '../../core/plan/types';
import type { ServiceState } from '../../core/workflow/service-levels';
import { serviceStates } from '../../workflow/service-states';

export type NodeState = 'PENDING' | 'UPDATING' | 'UPDATED' | 'FAILED' | 'SKIPPED';

export interface UpdateOutcome {
  readonly nodes: { id: string; release: string | null; state: NodeState }[];
  readonly services: { name: string; state: ServiceState; release: string | undefined; reason?: string }[];
}

/**
 * Where each node and service stands, from the checkpoints. A node's
 * `release` is what the node itself reports when a report is available.
 */
export function updateOutcome(plan: Plan, checkpoints: readonly CheckpointRecord[], nodeReleases: ReadonlyMap<string, string | null> = new Map()): UpdateOutcome {
  const nodes = [plan.canary, ...plan.waves.flat()].map((id) => {
    const own = checkpoints.filter((c) => (c.phase === 'canary' || c.phase === 'wave') && c.target === id);
    let state: NodeState = 'PENDING';
    if (own.some((c) => c.status === 'FAILED')) state = 'FAILED';
    else if (own.some((c) => c.step === 'rejoin' && c.status === 'SUCCEEDED')) state = 'UPDATED';
    else if (own.some((c) => c.status === 'SKIPPED')) state = 'SKIPPED';
    else if (own.length > 0) state = 'UPDATING';
    return { id, release: nodeReleases.has(id) ? nodeReleases.get(id)! : state === 'UPDATED' ? plan.release : (plan.previous ?? null), state };
  });
  const states = serviceStates(plan.serviceOrder.flat(), checkpoints);
  const byService = new Map(checkpoints.filter((c) => c.phase === 'service' && c.step === 'service').map((c) => [c.target, c]));
  const services = [...states].map(([name, state]) => {
    const record = byService.get(name);
    const reason = record?.error ?? record?.reason;
    return { name, state, release: state === 'UPDATED' ? plan.release : plan.previous, ...(reason ? { reason } : {}) };
  });
  return { nodes, services };
}

import type { ReportInput } from '../report';
import { buildUpdateView } from '../status/update-view';
import type { Target } from '../target';
import { readUpdate } from './read-update';

/** Gathers what the HTML report shows about one update, from the same records `status` reads. */
export async function reportInput(target: Target, updateId: string, now = new Date()): Promise<ReportInput> {
  const snapshot = await readUpdate(target, updateId);
  const view = buildUpdateView(snapshot, now);
  return {
    updateId: view.updateId,
    cluster: view.cluster,
    release: view.release,
    ...(view.previous ? { previous: view.previous } : {}),
    status: view.status,
    phase: view.phase,
    ...(view.planHash ? { planHash: view.planHash } : {}),
    ...(view.canary ? { canary: view.canary } : {}),
    waves: snapshot.plan?.waves ?? [],
    serviceOrder: snapshot.plan?.serviceOrder ?? [],
    ...(view.executionArn ? { executionArn: view.executionArn } : {}),
    ...(view.error ? { error: view.error } : {}),
    createdAt: snapshot.record.createdAt,
    generatedAt: now.toISOString(),
    checkpoints: snapshot.checkpoints,
    services: view.services,
    nodes: view.nodes,
  };
}

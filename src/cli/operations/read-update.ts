import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { CheckpointStore } from '../../aws/store/checkpoint-store';
import { NodeSlots } from '../../aws/store/node-slots';
import { PlanStore } from '../../aws/store/plan-store';
import { UpdateStore, type UpdateRecord } from '../../aws/store/update-store';
import { InputError } from '../../core/errors';
import type { Plan } from '../../core/plan/types';
import type { ExecutionSummary, Outage, UpdateSnapshot } from '../status/update-view';
import { tableOf, type Target } from '../target';

/** Which update a command is about: the id given, else the newest of the cluster. */
export async function resolveUpdateId(target: Target, request: { updateId?: string; cluster?: string }): Promise<string> {
  if (request.updateId) {
    await updateStore(target).require(request.updateId);
    return request.updateId;
  }
  const cluster = request.cluster ?? target.defaultCluster;
  if (!cluster) throw new InputError('name the update (`cluster-update status <updateId>`) or the cluster (--cluster <name>)');
  const [newest] = await updateStore(target).listByCluster(cluster, 1);
  if (!newest) throw new InputError(`cluster ${cluster} has no update yet; start one with \`cluster-update start -m <manifest>\``);
  return newest.updateId;
}

/**
 * Reads everything the view needs: the update record, its plan (cached by the
 * caller across polls: a persisted plan never changes), the checkpoints, the
 * execution and, on the local fleet, what nodes report themselves.
 */
export async function readUpdate(target: Target, updateId: string, known: { plan?: Plan; executionArn?: string; outages?: boolean } = {}): Promise<UpdateSnapshot> {
  const store = tableOf(target);
  const updates = new UpdateStore(store);
  // An execution records its ARN once it holds the lock; until then the record names the previous one
  // (after a resume) or none, so the execution the caller just started comes first.
  const executionArn = known.executionArn ?? (await updates.require(updateId)).executionArn;
  // The execution is read before everything else: what it wrote before it ended is then in the reads that
  // follow, so an ended execution is never seen beside a record that has not caught up with it.
  const execution = executionArn ? await describeExecution(target, executionArn) : undefined;
  const [record, plan, checkpoints, nodeReleases] = await Promise.all([
    updates.require(updateId),
    known.plan ?? new PlanStore(store).load(updateId),
    new CheckpointStore(store).query(updateId),
    target.fleetUrl ? fleetReleases(target.fleetUrl) : undefined,
  ]);
  // One read per service: asked for by `status`, not by every poll of `--watch`.
  const outages = known.outages && plan ? await readOutages(new NodeSlots(store), updateId, Object.keys(plan.placement)) : undefined;
  return { record, plan, checkpoints, execution, nodeReleases, ...(outages ? { outages } : {}) };
}

/** What the update holds out of service, from its outage-slot items (the same items every claim counts). */
async function readOutages(slots: NodeSlots, updateId: string, services: readonly string[]): Promise<Outage[]> {
  const held = await slots.held(updateId, services);
  return [...held].flatMap(([service, nodes]) => [...nodes].map(([node, entry]) => ({ service, node, holder: entry.holder, failed: entry.failed === true, ...(entry.error ? { error: entry.error } : {}) })));
}

export type RecordedExecution = ExecutionSummary & { readonly redriveStatus?: string; readonly redriveStatusReason?: string };

/**
 * The status the view gives an execution Step Functions no longer knows
 * (ExecutionDoesNotExist: past its 90-day retention on AWS, or lost by a local
 * runtime): the update stopped where its checkpoints say, and `resume` starts a
 * new execution for it.
 */
export const EXECUTION_GONE = 'INTERRUPTED';

export async function describeExecution(target: Target, executionArn: string): Promise<RecordedExecution> {
  let d;
  try {
    d = await target.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ExecutionDoesNotExist')) throw error;
    const reason = 'Step Functions no longer knows this execution (ExecutionDoesNotExist)';
    return { executionArn, status: EXECUTION_GONE, error: 'ExecutionDoesNotExist', cause: `${reason}; \`resume\` starts a new execution, finished steps are skipped`, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: reason };
  }
  return {
    executionArn, status: d.status ?? 'RUNNING', startDate: d.startDate, stopDate: d.stopDate, error: d.error, cause: d.cause,
    redriveCount: d.redriveCount, redriveStatus: d.redriveStatus, redriveStatusReason: d.redriveStatusReason,
  };
}

/** The execution the update record names, if any. */
export async function describeRecordedExecution(target: Target, record: UpdateRecord): Promise<RecordedExecution | undefined> {
  return record.executionArn ? describeExecution(target, record.executionArn) : undefined;
}

function updateStore(target: Target): UpdateStore {
  return new UpdateStore(tableOf(target));
}

/** The simulated fleet's own report of each node's release; absent if the fleet does not answer. */
async function fleetReleases(fleetUrl: string): Promise<ReadonlyMap<string, string | null> | undefined> {
  try {
    const response = await fetch(`${fleetUrl}/nodes`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return undefined;
    const nodes = (await response.json()) as { id: string; release: string | null }[];
    return new Map(nodes.map((n) => [n.id, n.release]));
  } catch {
    return undefined;
  }
}

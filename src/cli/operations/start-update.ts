import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { readSsmInventory } from '../../aws/inventory/ssm-inventory';
import { UpdateStore } from '../../aws/store/update-store';
import { InputError } from '../../core/errors';
import type { Manifest } from '../../core/manifest/schema';
import { planHash } from '../../core/plan/plan-hash';
import { planUpdate } from '../../core/plan/plan-update';
import type { Plan } from '../../core/plan/types';
import { simulatedFleetDefaultsUsed } from '../../workflow/step-scripts';
import { tableOf, type Target } from '../target';
import { assertSkippable } from './skip-checks';
import { locksOf } from './target-locks';
import { assertUpdateId, defaultUpdateId } from './update-id';

export interface StartRequest {
  readonly manifest: Manifest;
  readonly updateId?: string;
  readonly skipChecks?: readonly string[];
  /** A rollback: the update it undoes (whose parked lock it may take over). */
  readonly rollbackOf?: string;
}

/** A manifest for a real cluster that leaves node commands to the simulated fleet's defaults, which do not exist there. */
export class SimulatedFleetDefaultsError extends InputError {
  public constructor(public readonly gaps: readonly string[]) {
    super(
      `this manifest relies on the simulated fleet's defaults, which do not exist on a real cluster:\n  - ${gaps.join('\n  - ')}\n` +
        'give each in the manifest (policy.drain, policy.rejoin, services[].update, services[].health with port); see docs/manifest.md',
    );
    this.name = 'SimulatedFleetDefaultsError';
  }
}

/** Starting an update id that has already run: it is resumed or rolled back, not started again. */
export class UpdateAlreadyRanError extends InputError {
  public constructor(public readonly updateId: string, public readonly status: string) {
    super(`update ${updateId} already ran (${status}); \`cluster-update resume ${updateId}\` continues it, or start with another --update-id`);
    this.name = 'UpdateAlreadyRanError';
  }
}

export interface StartedUpdate {
  readonly updateId: string;
  readonly executionArn: string;
  readonly plan: Plan;
}

/**
 * `start`: everything that can be refused is refused before anything is
 * touched (bad manifest, no safe plan for this cluster, an unknown or
 * unskippable check, a cluster held by another update); then the update record
 * is written and the execution started under the update id (idempotent).
 */
export async function startUpdate(target: Target, request: StartRequest): Promise<StartedUpdate> {
  const { manifest } = request;
  const updateId = assertUpdateId(request.updateId ?? defaultUpdateId(manifest.cluster, manifest.release, new Date()));
  const skipChecks = assertSkippable(manifest, request.skipChecks ?? []);
  if (target.kind === 'aws') {
    const gaps = simulatedFleetDefaultsUsed(manifest);
    if (gaps.length > 0) throw new SimulatedFleetDefaultsError(gaps);
  }
  const inventory = await readSsmInventory(target.clients, manifest.cluster);
  if (inventory.nodes.length === 0) throw new InputError(`no managed node is tagged cluster-update:cluster=${manifest.cluster}`);
  const plan = planUpdate(manifest, inventory);

  const store = tableOf(target);
  const existing = await new UpdateStore(store).get(updateId);
  if (existing && existing.status !== 'PENDING' && existing.status !== 'RUNNING') throw new UpdateAlreadyRanError(existing.updateId, existing.status);
  // A live lease, a parked lock, or an expired lease whose execution still RUNNING: refused, naming the holder.
  await locksOf(target).assertAvailable({ cluster: manifest.cluster, updateId, mayTakeOverFrom: request.rollbackOf });

  await new UpdateStore(store).create({ updateId, manifest, manifestHash: planHash(manifest), skipChecks, rollbackOf: request.rollbackOf });
  const started = await target.clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name: updateId, input: JSON.stringify({ updateId, cluster: manifest.cluster, skipChecks }) }),
  );
  return { updateId, executionArn: started.executionArn!, plan };
}

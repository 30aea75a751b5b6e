import type { CheckpointRecord } from '../../aws/store/checkpoint-store';
import { CheckpointStore } from '../../aws/store/checkpoint-store';
import { UpdateStore } from '../../aws/store/update-store';
import type { Manifest } from '../../core/manifest/schema';
import { rollbackManifest, type OneOffProgress } from '../../core/rollback/rollback-manifest';
import { canaryStepName } from '../../core/workflow/canary-steps';
import { tableOf, type Target } from '../target';
import { describeRecordedExecution } from './read-update';
import { UpdateRunningError } from './operation-errors';
import { startUpdate, type StartedUpdate } from './start-update';
import { assertUpdateId } from './update-id';

export interface RollbackRequest {
  readonly updateId: string;
  /** @default `<updateId>-rollback` */
  readonly rollbackId?: string;
  readonly skipChecks?: readonly string[];
}

/**
 * `rollback`: a new update back to the manifest's `previous` release, in
 * reverse DAG order, undoing the one-offs that ran with their `rollback`
 * commands. Everything is checked before anything is written: a running
 * update, nothing to return to, or a finished irreversible one-off refuse it.
 */
export async function rollbackUpdate(target: Target, request: RollbackRequest): Promise<StartedUpdate & { readonly manifest: Manifest }> {
  const store = tableOf(target);
  const record = await new UpdateStore(store).require(request.updateId);
  const rollbackId = assertUpdateId(request.rollbackId ?? `${record.updateId.slice(0, 71)}-rollback`);
  const execution = await describeRecordedExecution(target, record);
  if (execution?.status === 'RUNNING') {
    throw new UpdateRunningError(record.updateId, `stop it first (\`cluster-update stop ${record.updateId}\`), then roll back`);
  }
  const manifest = rollbackManifest(record.updateId, record.manifest, oneOffProgress(record.manifest, await new CheckpointStore(store).query(record.updateId)));
  const started = await startUpdate(target, { manifest, updateId: rollbackId, skipChecks: request.skipChecks, rollbackOf: record.updateId });
  return { ...started, manifest };
}

/** How far each one-off got: it runs either on the canary or in its DAG level. */
export function oneOffProgress(manifest: Manifest, checkpoints: readonly CheckpointRecord[]): Map<string, OneOffProgress> {
  const progress = new Map<string, OneOffProgress>();
  for (const service of manifest.services.filter((s) => s.oneOff)) {
    const canaryName = canaryStepName({ kind: 'service', service: service.name, oneOff: true });
    const runs = checkpoints.filter((c) => (c.phase === 'canary' && c.step === canaryName) || (c.phase === 'service' && c.target === service.name && c.step.startsWith('run-')));
    if (runs.some((c) => c.status === 'SUCCEEDED')) progress.set(service.name, 'FINISHED');
    else if (runs.some((c) => c.status === 'RUNNING' || c.status === 'FAILED')) progress.set(service.name, 'ATTEMPTED');
    else progress.set(service.name, 'NOT_RUN');
  }
  return progress;
}

import { CommandRunner } from '../../aws/commands/command-runner';
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
  const commands = new CommandRunner({ ssm: target.clients.ssm, documentName: target.documentName });
  const progress = await oneOffProgress(record.manifest, await new CheckpointStore(store).query(record.updateId), commands);
  const manifest = rollbackManifest(record.updateId, record.manifest, progress);
  const started = await startUpdate(target, { manifest, updateId: rollbackId, skipChecks: request.skipChecks, rollbackOf: record.updateId });
  return { ...started, manifest };
}

/**
 * How far each one-off got: it runs either on the canary or in its DAG level.
 * A checkpoint left RUNNING or FAILED does not say what happened on the node
 * (`stop --now` cancels a migration mid-run; a task may die before recording
 * SUCCEEDED), so SSM is asked for the invocation's outcome:
 *   Success                                  → FINISHED (the checkpoint lagged behind)
 *   Failed (the command ran and exited ≠ 0),
 *   Undeliverable / DeliveryTimedOut          → ATTEMPTED (nothing finished to undo)
 *   anything else: still running, cancelled
 *   mid-run, timed out, unknown to SSM        → FINISHED: unknown counts as finished,
 *                                               so a one-off without `rollback` refuses the rollback.
 */
export async function oneOffProgress(manifest: Manifest, checkpoints: readonly CheckpointRecord[], commands: Pick<CommandRunner, 'results'>): Promise<Map<string, OneOffProgress>> {
  const progress = new Map<string, OneOffProgress>();
  for (const service of manifest.services.filter((s) => s.oneOff)) {
    const canaryName = canaryStepName({ kind: 'service', service: service.name, oneOff: true });
    const runs = checkpoints
      .filter((c) => (c.phase === 'canary' && c.step === canaryName) || (c.phase === 'service' && c.target === service.name && c.step.startsWith('run-')))
      .map((c) => ({ checkpoint: c, node: c.phase === 'canary' ? c.target : c.step.slice('run-'.length) }));
    if (runs.some((r) => r.checkpoint.status === 'SUCCEEDED')) {
      progress.set(service.name, 'FINISHED');
      continue;
    }
    const outcomes = await Promise.all(runs.filter((r) => r.checkpoint.status === 'RUNNING' || r.checkpoint.status === 'FAILED').map((r) => invocationOutcome(commands, r.checkpoint.commandId, r.node)));
    if (outcomes.includes('FINISHED')) progress.set(service.name, 'FINISHED');
    else if (outcomes.includes('ATTEMPTED')) progress.set(service.name, 'ATTEMPTED');
    else progress.set(service.name, 'NOT_RUN');
  }
  return progress;
}

const NEVER_RAN = new Set(['Undeliverable', 'DeliveryTimedOut']);

async function invocationOutcome(commands: Pick<CommandRunner, 'results'>, commandId: string | undefined, node: string): Promise<OneOffProgress> {
  // RUNNING without a command id: the task died before SendCommand returned an id it could store; what SSM
  // did is unknown, so it counts as finished.
  if (!commandId) return 'FINISHED';
  let results;
  try {
    results = await commands.results([commandId]);
  } catch (error) {
    if (error instanceof Error && error.name === 'InvalidCommandId') return 'FINISHED'; // expired from SSM: unknown
    throw error;
  }
  const invocation = results.find((r) => r.instanceId === node);
  if (!invocation) return 'FINISHED';
  if (invocation.status === 'Success') return 'FINISHED';
  if (invocation.status === 'Failed' || NEVER_RAN.has(invocation.status) || NEVER_RAN.has(invocation.statusDetails)) return 'ATTEMPTED';
  return 'FINISHED';
}

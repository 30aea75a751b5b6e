import type { CheckpointRecord } from '../../aws/store/checkpoint-store';
import type { UpdateRecord } from '../../aws/store/update-store';
import type { Plan } from '../../core/plan/types';
import { updateOutcome, type UpdateOutcome } from '../operations/update-outcome';
import { stateCounts } from './state-counts';

/** What DescribeExecution said, in the few fields the view needs. */
export interface ExecutionSummary {
  readonly executionArn: string;
  readonly status: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  readonly error?: string;
  readonly cause?: string;
  readonly redriveCount?: number;
}

export interface UpdateSnapshot {
  readonly record: UpdateRecord;
  /** Absent until the Plan task has persisted it. */
  readonly plan?: Plan;
  readonly checkpoints: readonly CheckpointRecord[];
  readonly execution?: ExecutionSummary;
  /** What nodes report themselves (local fleet); otherwise derived from checkpoints. */
  readonly nodeReleases?: ReadonlyMap<string, string | null>;
  /** Replicas the update holds out of service, read from its outage-slot items (absent when not read). */
  readonly outages?: readonly Outage[];
}

/** A replica taken out of service: by whom, and whether it stays out because it failed (until a resume). */
export interface Outage {
  readonly service: string;
  readonly node: string;
  readonly holder: string;
  readonly failed: boolean;
  readonly error?: string;
}

export interface Tally {
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  readonly pending: number;
  readonly total: number;
}

export interface HookView {
  readonly phase: 'pre-hooks' | 'post-hooks';
  readonly name: string;
  readonly state: string;
  readonly skipped: boolean;
}

export interface InFlightStep {
  readonly phase: string;
  readonly target: string;
  readonly step: string;
  readonly commandId?: string;
  readonly since?: string;
}

/** One picture of an update: what `status` prints, `--watch` redraws and `--json` emits a subset of. */
export interface UpdateView {
  readonly updateId: string;
  readonly cluster: string;
  readonly release: string;
  readonly previous?: string;
  readonly rollbackOf?: string;
  readonly executionArn?: string;
  /** The update record's status, or the execution's when it ended without recording one (ABORTED, TIMED_OUT). */
  readonly status: string;
  readonly phase: string;
  readonly planHash?: string;
  readonly canary?: string;
  readonly createdAt: string;
  readonly elapsedMs: number;
  /** From the share of work done so far; undefined until something is done or once the update ended. */
  readonly estimateRemainingMs?: number;
  readonly waves: { readonly done: number; readonly total: number };
  readonly nodes: UpdateOutcome['nodes'];
  readonly services: UpdateOutcome['services'];
  readonly counts: { readonly nodes: Tally; readonly services: Tally };
  readonly hooks: readonly HookView[];
  readonly inFlight: readonly InFlightStep[];
  readonly error?: string;
  readonly redriveCount: number;
  /** What the operator can do now, as commands. */
  readonly nextSteps: readonly string[];
  /** Replicas held out of service now (failed ones stay out, counted against minHealthy, until a resume). */
  readonly outages?: readonly Outage[];
}

// INTERRUPTED: the execution is gone (ExecutionDoesNotExist) though the record says it runs.
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'STOPPED', 'ABORTED', 'TIMED_OUT', 'INTERRUPTED']);

/**
 * Builds the view from the stored records alone (pure): the same function
 * serves `status`, `--watch`, `--json` and the report.
 * `commandSuffix` is appended to suggested commands (e.g. `--target aws --stack x`).
 */
export function buildUpdateView(snapshot: UpdateSnapshot, now: Date, commandSuffix = ''): UpdateView {
  const { record, plan, checkpoints, execution } = snapshot;
  const outcome: UpdateOutcome = plan ? updateOutcome(plan, checkpoints, snapshot.nodeReleases) : { nodes: [], services: [] };
  const status = effectiveStatus(record.status, execution?.status);
  const ended = ENDED.has(status);
  const waveNodes = new Set(outcome.nodes.filter((n) => n.state === 'UPDATED' || n.state === 'SKIPPED' || n.state === 'FAILED').map((n) => n.id));
  const wavesDone = plan ? plan.waves.filter((wave) => wave.every((node) => waveNodes.has(node))).length : 0;
  const counts = { nodes: tally(outcome.nodes), services: tally(outcome.services) };
  const startedAt = execution?.startDate?.getTime() ?? Date.parse(record.createdAt);
  const endedAt = ended ? execution?.stopDate?.getTime() ?? Date.parse(record.updatedAt) : now.getTime();
  const elapsedMs = Math.max(0, endedAt - startedAt);
  const units = counts.nodes.total + counts.services.total;
  const finished = counts.nodes.done + counts.nodes.skipped + counts.services.done + counts.services.skipped + counts.services.failed + counts.nodes.failed;
  const estimateRemainingMs = !ended && finished > 0 && units > finished ? Math.round((elapsedMs * (units - finished)) / finished) : undefined;
  const error = record.error ?? (execution?.error ? `${execution.error}: ${execution.cause ?? ''}` : undefined);
  return {
    updateId: record.updateId,
    cluster: record.cluster,
    release: record.release,
    ...(record.previous ? { previous: record.previous } : {}),
    ...(record.rollbackOf ? { rollbackOf: record.rollbackOf } : {}),
    ...(execution?.executionArn ?? record.executionArn ? { executionArn: execution?.executionArn ?? record.executionArn } : {}),
    status,
    phase: record.phase,
    ...(plan ? { planHash: plan.planHash, canary: plan.canary } : {}),
    createdAt: record.createdAt,
    elapsedMs,
    ...(estimateRemainingMs !== undefined ? { estimateRemainingMs } : {}),
    waves: { done: wavesDone, total: plan?.waves.length ?? 0 },
    nodes: outcome.nodes,
    services: outcome.services,
    counts,
    hooks: hookViews(record, checkpoints),
    inFlight: checkpoints
      .filter((c) => c.status === 'RUNNING' && c.step !== 'service')
      .map((c) => ({ phase: c.phase, target: c.target, step: c.step, ...(c.commandId ? { commandId: c.commandId } : {}), ...(c.startedAt ? { since: c.startedAt } : {}) })),
    ...(ended && status !== 'SUCCEEDED' && error ? { error } : {}),
    redriveCount: execution?.redriveCount ?? 0,
    nextSteps: nextSteps(record.updateId, status, commandSuffix),
    ...(snapshot.outages ? { outages: snapshot.outages } : {}),
  };
}

function effectiveStatus(recorded: string, execution: string | undefined): string {
  if ((recorded === 'RUNNING' || recorded === 'PENDING') && execution && execution !== 'RUNNING' && execution !== 'SUCCEEDED') return execution;
  return recorded;
}

/** The report's counts, with what is under way counted as not done yet. */
function tally(items: readonly { readonly state: string }[]): Tally {
  const counts = stateCounts(items);
  return { done: counts.updated, failed: counts.failed, skipped: counts.skipped, pending: counts.pending + counts.updating, total: counts.total };
}

/** Every hook of the manifest in its order, with what its checkpoints say (PENDING before it ran). */
function hookViews(record: UpdateRecord, checkpoints: readonly CheckpointRecord[]): HookView[] {
  const hooks = [
    ...record.manifest.hooks.preUpdate.map((h) => ({ phase: 'pre-hooks' as const, name: h.name })),
    ...record.manifest.hooks.postUpdate.map((h) => ({ phase: 'post-hooks' as const, name: h.name })),
  ];
  return hooks.map(({ phase, name }) => {
    const statuses = checkpoints.filter((c) => c.phase === phase && c.step === name).map((c) => c.status);
    const state =
      statuses.length === 0 ? 'PENDING'
      : statuses.includes('FAILED') ? 'FAILED'
      : statuses.includes('RUNNING') ? 'RUNNING'
      : statuses.every((s) => s === 'SKIPPED') ? 'SKIPPED'
      : statuses.every((s) => s === 'SUCCEEDED' || s === 'SKIPPED') ? 'SUCCEEDED'
      : 'PENDING';
    return { phase, name, state, skipped: state === 'SKIPPED' };
  });
}

function nextSteps(updateId: string, status: string, suffix: string): string[] {
  const command = (verb: string, options = '') => `cluster-update ${verb} ${updateId}${options}${suffix}`;
  switch (status) {
    case 'PENDING':
    case 'RUNNING':
      return [`${command('status', ' --watch')}   (follow it)`, `${command('stop')}   (stop after the running wave; resumable)`];
    case 'FAILED':
    case 'ABORTED':
    case 'TIMED_OUT':
      return [`fix the cause above, then ${command('resume')}   (finished steps are not redone)`, `${command('rollback')}   (back to the previous release)`, `${command('report', ' -o update.html')}   (timeline)`];
    case 'INTERRUPTED':
      return [`${command('resume')}   (a new execution continues it; finished steps are not redone)`, `${command('rollback')}   (back to the previous release)`];
    case 'STOPPED':
      return [`${command('resume')}   (continue where it stopped)`, `${command('rollback')}   (back to the previous release)`];
    default:
      return [`${command('report', ' -o update.html')}   (timeline)`];
  }
}

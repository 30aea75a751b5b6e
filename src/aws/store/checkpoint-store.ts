import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { allowedPredecessors, assertTransition, IllegalCheckpointTransitionError, type CheckpointStatus } from '../../core/checkpoint/transitions';
import { lockKey } from './lock-store';
import { queryPrefix } from './query-prefix';
import { FenceRejectedError } from './store-errors';

export type CheckpointPhase = 'pre-hooks' | 'canary' | 'handover' | 'wave' | 'service' | 'post-hooks' | 'rollback';

export interface CheckpointKey {
  readonly updateId: string;
  readonly phase: CheckpointPhase;
  /** A node id, a service name, or `cluster`. */
  readonly target: string;
  readonly step: string;
}

export interface CheckpointRecord extends CheckpointKey {
  readonly status: CheckpointStatus;
  readonly commandId?: string;
  readonly fence: number;
  readonly attempts: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly error?: string;
  readonly reason?: string;
  readonly output?: string;
  /** How far a long step without a command has come (the canary watch: seconds watched so far). */
  readonly progress?: number;
}

/**
 * What the caller read of a step just before writing it, so the store need not read it again: each read is a
 * round trip on the critical path of every step. A stale one is safe: the write's condition still checks the
 * transition against the stored status (a step SUCCEEDED meanwhile is returned as it is), and what the stale
 * read can get wrong (the attempt count, the start time) is bookkeeping.
 */
export interface ReadCheckpoint {
  readonly current: CheckpointRecord | undefined;
}

/** Who writes: only the lock's current (owner, fence) may. */
export interface WriterGuard {
  readonly cluster: string;
  readonly owner: string;
  readonly fence: number;
}

export interface CheckpointStoreProps {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
}

const OUTPUT_TAIL = 2048;
/** TransactWriteItems takes 100 items; one is the lock's ConditionCheck. */
const TRANSACTION_CHECKPOINTS = 99;
const MAX_CONFLICT_RETRIES = 10;

/**
 * Per-step checkpoints. Every write is a transaction whose first item is a
 * ConditionCheck on the lock (owner and fence), so a task that lost the lock
 * writes nothing; the second checks the transition is legal. A SUCCEEDED
 * checkpoint is final: `begin` returns it unchanged, which is how a rerun
 * skips finished work.
 */
export class CheckpointStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(props: CheckpointStoreProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
  }

  public async get(key: CheckpointKey): Promise<CheckpointRecord | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: itemKey(key), ConsistentRead: true }));
    return result.Item ? toRecord(result.Item) : undefined;
  }

  /** Every checkpoint of an update (optionally of one phase), all pages. */
  public async query(updateId: string, options: { phase?: CheckpointPhase } = {}): Promise<CheckpointRecord[]> {
    const items = await queryPrefix(this.documents, this.tableName, `UPDATE#${updateId}`, options.phase ? `CP#${options.phase}#` : 'CP#');
    return items.map(toRecord);
  }

  /**
   * Starts (or re-enters) a step. A SUCCEEDED step is returned as it is and
   * nothing is written; a RUNNING one keeps its command id so the caller
   * re-attaches instead of sending again.
   */
  public async begin(key: CheckpointKey, guard: WriterGuard, read?: ReadCheckpoint): Promise<CheckpointRecord> {
    const current = await this.currentOf(key, read);
    if (current?.status === 'SUCCEEDED') return current;
    if (current?.status === 'RUNNING' && current.fence === guard.fence) return current;
    const next: CheckpointRecord = {
      ...key,
      status: 'RUNNING',
      fence: guard.fence,
      attempts: (current?.attempts ?? 0) + (current?.status === 'RUNNING' ? 0 : 1),
      commandId: current?.status === 'RUNNING' ? current.commandId : undefined,
      startedAt: current?.status === 'RUNNING' ? current.startedAt : new Date().toISOString(),
    };
    return this.writeUnlessSucceeded(next, guard);
  }

  /** Stores the SSM command id of a RUNNING step, before anything waits on it. */
  public async attachCommand(key: CheckpointKey, guard: WriterGuard, commandId: string, read?: ReadCheckpoint): Promise<CheckpointRecord> {
    const current = await this.currentOf(key, read);
    if (current?.status === 'SUCCEEDED') return current;
    const next = { ...(current ?? { ...key, attempts: 1, startedAt: new Date().toISOString() }), status: 'RUNNING' as const, fence: guard.fence, commandId };
    return this.writeUnlessSucceeded(next, guard);
  }

  /**
   * Records how far a RUNNING step without a command has come (the canary
   * watch's seconds watched), so a rerun or a resume continues from there.
   */
  public async recordProgress(key: CheckpointKey, guard: WriterGuard, progress: number): Promise<CheckpointRecord> {
    const current = await this.get(key);
    if (current?.status === 'SUCCEEDED') return current;
    const running = current?.status === 'RUNNING';
    const next: CheckpointRecord = {
      ...(running ? current : { ...key, attempts: (current?.attempts ?? 0) + 1, startedAt: new Date().toISOString() }),
      status: 'RUNNING',
      fence: guard.fence,
      progress,
    };
    return this.writeUnlessSucceeded(next, guard);
  }

  public async succeed(key: CheckpointKey, guard: WriterGuard, details: { output?: string } = {}, read?: ReadCheckpoint): Promise<CheckpointRecord> {
    return this.finish(key, guard, 'SUCCEEDED', { output: tail(details.output) }, read);
  }

  public async fail(key: CheckpointKey, guard: WriterGuard, details: { error: string; output?: string }, read?: ReadCheckpoint): Promise<CheckpointRecord> {
    return this.finish(key, guard, 'FAILED', { error: details.error, output: tail(details.output) }, read);
  }

  public async skip(key: CheckpointKey, guard: WriterGuard, details: { reason: string }): Promise<CheckpointRecord> {
    return this.finish(key, guard, 'SKIPPED', { reason: details.reason });
  }

  /**
   * Records the same status for many steps (e.g. every node of a wave) in as
   * few transactions as possible (99 steps each). Every step must allow the
   * transition, else IllegalCheckpointTransitionError names the first that does not.
   */
  public async recordMany(keys: readonly CheckpointKey[], guard: WriterGuard, status: CheckpointStatus, details: { error?: string; reason?: string; commandId?: string } = {}): Promise<void> {
    const now = new Date().toISOString();
    const records = keys.map(
      (key): CheckpointRecord => ({
        ...key,
        status,
        fence: guard.fence,
        attempts: 1,
        ...(status === 'RUNNING' ? { startedAt: now, commandId: details.commandId } : { endedAt: now }),
        error: details.error,
        reason: details.reason,
      }),
    );
    for (let i = 0; i < records.length; i += TRANSACTION_CHECKPOINTS) await this.write(records.slice(i, i + TRANSACTION_CHECKPOINTS), guard, status);
  }

  private async finish(key: CheckpointKey, guard: WriterGuard, status: CheckpointStatus, details: Partial<CheckpointRecord>, read?: ReadCheckpoint): Promise<CheckpointRecord> {
    const current = await this.currentOf(key, read);
    if (status === 'SUCCEEDED' && current?.status === 'SUCCEEDED') return current;
    assertTransition(itemKey(key).sk, current?.status, status);
    const next: CheckpointRecord = {
      ...(current ?? { ...key, attempts: 1, startedAt: new Date().toISOString() }),
      ...details,
      status,
      fence: guard.fence,
      endedAt: new Date().toISOString(),
    };
    return status === 'SUCCEEDED' ? this.writeUnlessSucceeded(next, guard) : (await this.write([next], guard, status), next);
  }

  private async currentOf(key: CheckpointKey, read: ReadCheckpoint | undefined): Promise<CheckpointRecord | undefined> {
    return read ? read.current : this.get(key);
  }

  /**
   * Writes a RUNNING or SUCCEEDED checkpoint, unless the step SUCCEEDED meanwhile: then the stored record is the
   * answer. SUCCEEDED is final, and two copies of one task may work on the same step at once — Step Functions
   * retries a task whose invocation timed out (Sandbox.Timedout) while that invocation runs on, and invokes at
   * least once — so the copy that finds the step done by the other has nothing left to do, as `begin` already says
   * when it reads SUCCEEDED first. FAILED and SKIPPED never overwrite anything this way.
   */
  private async writeUnlessSucceeded(next: CheckpointRecord, guard: WriterGuard): Promise<CheckpointRecord> {
    try {
      await this.write([next], guard, next.status);
      return next;
    } catch (error) {
      if (!(error instanceof IllegalCheckpointTransitionError)) throw error;
      const current = await this.get(next);
      if (current?.status === 'SUCCEEDED') return current;
      throw error;
    }
  }

  /**
   * Concurrent tasks all check the same lock item, and DynamoDB cancels
   * transactions that touch one item at the same moment (TransactionConflict):
   * those are retried with jitter; a failed condition is not.
   */
  private async write(records: readonly CheckpointRecord[], guard: WriterGuard, status: CheckpointStatus): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.writeOnce(records, guard, status);
      } catch (error) {
        const conflict = error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict');
        if (!conflict || attempt >= MAX_CONFLICT_RETRIES) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 50 * attempt));
      }
    }
  }

  private async writeOnce(records: readonly CheckpointRecord[], guard: WriterGuard, status: CheckpointStatus): Promise<void> {
    const predecessors = allowedPredecessors(status);
    const statusValues = Object.fromEntries(predecessors.map((s, i) => [`:from${i}`, s]));
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: { pk: lockKey(guard.cluster), sk: 'LOCK' },
                ConditionExpression: '#owner = :owner AND #fence = :fence',
                ExpressionAttributeNames: { '#owner': 'owner', '#fence': 'fence' },
                ExpressionAttributeValues: { ':owner': guard.owner, ':fence': guard.fence },
              },
            },
            ...records.map((record) => ({
              Put: {
                TableName: this.tableName,
                Item: { ...itemKey(record), ...record },
                ConditionExpression: `attribute_not_exists(pk) OR #status IN (${Object.keys(statusValues).join(', ')})`,
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: statusValues,
              },
            })),
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((r) => r.Code === 'TransactionConflict')) throw error;
      if (reasons[0]?.Code === 'ConditionalCheckFailed') {
        const lock = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: lockKey(guard.cluster), sk: 'LOCK' }, ConsistentRead: true }));
        throw new FenceRejectedError(guard.cluster, guard, { owner: lock.Item?.owner as string | undefined, fence: lock.Item?.fence as number | undefined });
      }
      const index = reasons.findIndex((r, i) => i > 0 && r.Code === 'ConditionalCheckFailed');
      if (index < 1) throw error;
      const record = records[index - 1]!;
      const current = await this.get(record);
      throw new IllegalCheckpointTransitionError(itemKey(record).sk, current?.status ?? 'PENDING', status);
    }
  }
}

export function itemKey(key: CheckpointKey): { pk: string; sk: string } {
  return { pk: `UPDATE#${key.updateId}`, sk: `CP#${key.phase}#${key.target}#${key.step}` };
}

function toRecord(item: Record<string, unknown>): CheckpointRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as CheckpointRecord;
}

function tail(output: string | undefined): string | undefined {
  return output === undefined ? undefined : output.slice(-OUTPUT_TAIL);
}

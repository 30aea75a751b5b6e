import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InputError } from '../../core/errors';
import type { WriterGuard } from './checkpoint-store';
import { lockKey } from './lock-store';
import { sendFenced } from './fenced-transaction';
import { FenceRejectedError } from './store-errors';
import type { Manifest } from '../../core/manifest/schema';
import { compressJson, decompressJson } from './compressed-json';
import { TABLE_SCHEMA } from './table-schema';

export type UpdateStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

export interface UpdateRecord {
  readonly updateId: string;
  readonly cluster: string;
  readonly release: string;
  readonly previous?: string;
  readonly status: UpdateStatus;
  readonly phase: string;
  readonly manifest: Manifest;
  readonly manifestHash: string;
  readonly skipChecks: readonly string[];
  readonly stopRequested: boolean;
  readonly planHash?: string;
  /** Set by the hand-over: the canary owns the rest of the update with what it validated. */
  readonly owner?: UpdateOwner;
  readonly executionArn?: string;
  readonly error?: string;
  /** Set on a rollback: the update it undoes. */
  readonly rollbackOf?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * What the canary validated and every later command of the update uses: the
 * step-runner document version (SendCommand `DocumentVersion`) and the node
 * agent release; `fence` is the fence the hand-over moved the lock to.
 */
export interface UpdateOwner {
  readonly node: string;
  readonly agentRelease: string;
  readonly documentVersion: string;
  readonly fence: number;
}

/** Another `resume` (or the workflow) changed the record between our read and our write. */
export class UpdateChangedError extends InputError {
  public constructor(public readonly updateId: string, public readonly executionArn: string | undefined) {
    super(`update ${updateId} is being resumed by another operator (execution ${executionArn ?? 'not yet recorded'}); follow it with \`cluster-update status ${updateId} --watch\``);
    this.name = 'UpdateChangedError';
  }
}

/** An update id already names an update with a different manifest. */
export class UpdateConflictError extends InputError {
  public constructor(public readonly updateId: string) {
    super(`update ${updateId} already exists with a different manifest; choose another --update-id`);
    this.name = 'UpdateConflictError';
  }
}

/** No update with that id. */
export class UnknownUpdateError extends InputError {
  public constructor(public readonly updateId: string) {
    super(`no update with id ${updateId}; \`cluster-update status --all\` lists the cluster's recent updates`);
    this.name = 'UnknownUpdateError';
  }
}

export interface UpdateStoreProps {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * When set, every write is a transaction with a ConditionCheck on the lock
   * (owner + fence): how the workflow's tasks write, so a task that lost the
   * lock changes nothing. The CLI writes without one (it never holds the lock),
   * each write conditioned on what it read instead.
   */
  readonly guard?: WriterGuard;
}

/** The update record: what is being installed, where it stands, who owns it. */
export class UpdateStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly guard?: WriterGuard;

  public constructor(props: UpdateStoreProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
    this.guard = props.guard;
  }

  /** The same store, every write fenced by `guard`. */
  public fencedBy(guard: WriterGuard): UpdateStore {
    return new UpdateStore({ documents: this.documents, tableName: this.tableName, guard });
  }

  /** Creates the record once; the same manifest again returns the existing one (an idempotent start). */
  public async create(record: { updateId: string; manifest: Manifest; manifestHash: string; skipChecks: readonly string[]; rollbackOf?: string }): Promise<UpdateRecord> {
    const now = new Date().toISOString();
    const item = {
      pk: key(record.updateId), sk: 'UPDATE',
      [TABLE_SCHEMA.clusterIndex.partitionKey]: `CLUSTER#${record.manifest.cluster}`,
      [TABLE_SCHEMA.clusterIndex.sortKey]: now,
      updateId: record.updateId, cluster: record.manifest.cluster, release: record.manifest.release, previous: record.manifest.previous,
      status: 'PENDING', phase: 'pending', manifest: compressJson(record.manifest), manifestHash: record.manifestHash,
      skipChecks: [...record.skipChecks], stopRequested: false, createdAt: now, updatedAt: now,
      ...(record.rollbackOf ? { rollbackOf: record.rollbackOf } : {}),
    };
    try {
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return toRecord(item);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(record.updateId);
      if (existing && existing.manifestHash === record.manifestHash) return existing;
      throw new UpdateConflictError(record.updateId);
    }
  }

  public async get(updateId: string): Promise<UpdateRecord | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: key(updateId), sk: 'UPDATE' }, ConsistentRead: true }));
    return result.Item ? toRecord(result.Item) : undefined;
  }

  public async require(updateId: string): Promise<UpdateRecord> {
    const record = await this.get(updateId);
    if (!record) throw new UnknownUpdateError(updateId);
    return record;
  }

  public async setStatus(updateId: string, status: UpdateStatus, phase: string, error?: string): Promise<void> {
    await this.set(updateId, { status, phase, error: error ?? null });
  }


  public async setPlanHash(updateId: string, planHash: string): Promise<void> {
    await this.set(updateId, { planHash });
  }

  public async setExecutionArn(updateId: string, executionArn: string): Promise<void> {
    await this.set(updateId, { executionArn });
  }

  /**
   * The hand-over, in ONE transaction: the lock's fence advances (conditioned
   * on owner + the fence we hold, ACTIVE) and the record names the new owner
   * with that new fence. Either both land or neither, so a retried HandOver
   * finds `owner.fence` equal to the lock's fence and does nothing.
   */
  public async recordHandOver(updateId: string, guard: WriterGuard, owner: Omit<UpdateOwner, 'fence'>): Promise<UpdateOwner> {
    const next: UpdateOwner = { ...owner, fence: guard.fence + 1 };
    // The lock item is written here, so its (owner, fence) condition rides on that Update: a transaction may not touch one item twice.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: { pk: lockKey(guard.cluster), sk: 'LOCK' },
                  UpdateExpression: 'SET #fence = :next',
                  ConditionExpression: '#owner = :owner AND #fence = :fence AND #state = :active',
                  ExpressionAttributeNames: { '#owner': 'owner', '#fence': 'fence', '#state': 'state' },
                  ExpressionAttributeValues: { ':owner': guard.owner, ':fence': guard.fence, ':next': next.fence, ':active': 'ACTIVE' },
                },
              },
              {
                Update: {
                  TableName: this.tableName,
                  Key: { pk: key(updateId), sk: 'UPDATE' },
                  UpdateExpression: 'SET #owner = :record, #status = :running, #phase = :rollout, updatedAt = :now',
                  ConditionExpression: 'attribute_exists(pk)',
                  ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status', '#phase': 'phase' },
                  ExpressionAttributeValues: { ':record': next, ':running': 'RUNNING', ':rollout': 'rollout', ':now': new Date().toISOString() },
                },
              },
            ],
          }),
        );
        return next;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'TransactionConflict') && attempt < 10) {
          await new Promise((r) => setTimeout(r, Math.random() * 50 * attempt));
          continue;
        }
        if (reasons[1]?.Code === 'ConditionalCheckFailed') throw new UnknownUpdateError(updateId);
        const lock = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: lockKey(guard.cluster), sk: 'LOCK' }, ConsistentRead: true }));
        throw new FenceRejectedError(guard.cluster, guard, { owner: lock.Item?.owner as string | undefined, fence: lock.Item?.fence as number | undefined });
      }
    }
  }

  /**
   * `resume` claims the update before it starts or redrives anything: the
   * record goes RUNNING naming the execution that will run it, conditioned on
   * the record being exactly as this resume read it. Of two concurrent
   * resumes one wins; the other gets UpdateChangedError naming the winner's execution.
   */
  public async claimForResume(seen: UpdateRecord, claim: { executionArn: string; skipChecks: readonly string[] }): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key(seen.updateId), sk: 'UPDATE' },
          UpdateExpression: 'SET #status = :running, executionArn = :arn, stopRequested = :no, skipChecks = :skips, #error = :none, updatedAt = :now',
          ConditionExpression: 'updatedAt = :seen',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: { ':running': 'RUNNING', ':arn': claim.executionArn, ':no': false, ':skips': [...claim.skipChecks], ':none': null, ':now': new Date().toISOString(), ':seen': seen.updatedAt },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw new UpdateChangedError(seen.updateId, (await this.get(seen.updateId))?.executionArn);
    }
  }

  /**
   * The outcome of an execution that never held the lock (AcquireLock refused
   * it): written only while the record still names that execution, or none,
   * so a loser never overwrites what the holder recorded.
   */
  public async setStatusOfExecution(updateId: string, executionArn: string, status: UpdateStatus, error: string): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key(updateId), sk: 'UPDATE' },
          UpdateExpression: 'SET #status = :status, #error = :error, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(executionArn) OR executionArn = :arn)',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: { ':status': status, ':error': error, ':arn': executionArn, ':now': new Date().toISOString() },
        }),
      );
    } catch (failure) {
      if (!(failure instanceof ConditionalCheckFailedException)) throw failure;
    }
  }

  /** `resume --skip-check`: the hooks to skip from now on. */
  public async setSkipChecks(updateId: string, skipChecks: readonly string[]): Promise<void> {
    await this.set(updateId, { skipChecks: [...skipChecks] });
  }

  /** `stop`: the workflow stops cleanly at the next wave or level boundary. */
  public async requestStop(updateId: string, requested = true): Promise<void> {
    await this.set(updateId, { stopRequested: requested });
  }

  /** The newest updates of a cluster first. */
  public async listByCluster(cluster: string, limit = 20): Promise<UpdateRecord[]> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TABLE_SCHEMA.clusterIndex.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.clusterIndex.partitionKey },
        ExpressionAttributeValues: { ':pk': `CLUSTER#${cluster}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(toRecord);
  }

  private async set(updateId: string, fields: Record<string, unknown>): Promise<void> {
    const names = Object.keys(fields);
    const update = {
      TableName: this.tableName,
      Key: { pk: key(updateId), sk: 'UPDATE' },
      UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :v${i}`).join(', ')}, updatedAt = :now`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
      ExpressionAttributeValues: { ...Object.fromEntries(names.map((n, i) => [`:v${i}`, fields[n]])), ':now': new Date().toISOString() },
    };
    try {
      if (this.guard) await sendFenced(this.documents, this.tableName, this.guard, [{ Update: update }], () => new UnknownUpdateError(updateId));
      else await this.documents.send(new UpdateCommand(update));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new UnknownUpdateError(updateId);
      throw error;
    }
  }

}

function key(updateId: string): string {
  return `UPDATE#${updateId}`;
}

function toRecord(item: Record<string, unknown>): UpdateRecord {
  return {
    updateId: item.updateId as string,
    cluster: item.cluster as string,
    release: item.release as string,
    previous: item.previous as string | undefined,
    status: item.status as UpdateStatus,
    phase: item.phase as string,
    manifest: decompressJson<Manifest>(item.manifest as string),
    manifestHash: item.manifestHash as string,
    skipChecks: (item.skipChecks as string[] | undefined) ?? [],
    stopRequested: Boolean(item.stopRequested),
    planHash: item.planHash as string | undefined,
    owner: item.owner as UpdateRecord['owner'],
    executionArn: item.executionArn as string | undefined,
    error: (item.error as string | null | undefined) ?? undefined,
    rollbackOf: item.rollbackOf as string | undefined,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}

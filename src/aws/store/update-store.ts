import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InputError } from '../../core/errors';
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
  readonly owner?: { readonly node: string; readonly agentRelease: string; readonly fence: number };
  readonly executionArn?: string;
  readonly error?: string;
  /** Set on a rollback: the update it undoes. */
  readonly rollbackOf?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
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
}

/** The update record: what is being installed, where it stands, who owns it. */
export class UpdateStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(props: UpdateStoreProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
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

  public async setOwner(updateId: string, owner: { node: string; agentRelease: string; fence: number }): Promise<void> {
    await this.set(updateId, { owner });
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
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key(updateId), sk: 'UPDATE' },
          UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :v${i}`).join(', ')}, updatedAt = :now`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
          ExpressionAttributeValues: { ...Object.fromEntries(names.map((n, i) => [`:v${i}`, fields[n]])), ':now': new Date().toISOString() },
        }),
      );
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

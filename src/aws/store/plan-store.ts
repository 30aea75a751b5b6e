import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InputError } from '../../core/errors';
import type { Plan } from '../../core/plan/types';
import { compressJson, decompressJson } from './compressed-json';
import { queryPrefix } from './query-prefix';

/** A rerun computed a different plan than the one persisted for this update. */
export class PlanMismatchError extends InputError {
  public constructor(public readonly updateId: string, public readonly stored: string, public readonly computed: string) {
    super(`update ${updateId} was planned with plan hash ${stored.slice(0, 12)}…; the manifest or inventory now gives ${computed.slice(0, 12)}…. Start a new update for a different manifest or cluster.`);
    this.name = 'PlanMismatchError';
  }
}

export interface PlanStoreProps {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** Compressed plan parts stay under DynamoDB's 400 KB item limit. */
const PART_BYTES = 350_000;

/**
 * The plan of an update, persisted once: every rerun reuses it, so a redrive
 * walks exactly the waves and levels the first run planned. Large plans
 * (10,000+ nodes) are split over several items.
 */
export class PlanStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(props: PlanStoreProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
  }

  /** Saves the plan unless one is stored: the same hash is a no-op; another hash is PlanMismatchError. */
  public async save(updateId: string, plan: Plan): Promise<Plan> {
    const stored = await this.load(updateId);
    if (stored) {
      if (stored.planHash !== plan.planHash) throw new PlanMismatchError(updateId, stored.planHash, plan.planHash);
      return stored;
    }
    const blob = compressJson(plan);
    const parts = Math.max(1, Math.ceil(blob.length / PART_BYTES));
    // Parts first, the header last: a reader never sees a header without all its parts.
    for (let i = 0; i < parts; i += 1) {
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: { pk: `UPDATE#${updateId}`, sk: `PLAN#${String(i).padStart(4, '0')}`, data: blob.slice(i * PART_BYTES, (i + 1) * PART_BYTES) } }));
    }
    await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: `UPDATE#${updateId}`, sk: 'PLAN', planHash: plan.planHash, parts }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return plan;
  }

  public async load(updateId: string): Promise<Plan | undefined> {
    const header = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: `UPDATE#${updateId}`, sk: 'PLAN' }, ConsistentRead: true }));
    if (!header.Item) return undefined;
    const chunks = (await queryPrefix(this.documents, this.tableName, `UPDATE#${updateId}`, 'PLAN#')).map((item) => item.data as string);
    return decompressJson<Plan>(chunks.slice(0, Number(header.Item.parts)).join(''));
  }
}

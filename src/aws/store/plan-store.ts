import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InputError } from '../../core/errors';
import type { Plan } from '../../core/plan/types';
import type { WriterGuard } from './checkpoint-store';
import { compressJson, decompressJson } from './compressed-json';
import { sendFenced } from './fenced-transaction';
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
  /** When set, every write carries a ConditionCheck on the lock (owner + fence), as the workflow's tasks write. */
  readonly guard?: WriterGuard;
}

/** Two writers saved plans for one update at once (the loser's header write found the winner's). */
export class PlanRaceError extends InputError {
  public constructor(public readonly updateId: string) {
    super(`update ${updateId} got its plan from another writer at the same moment; rerun to use the stored plan`);
    this.name = 'PlanRaceError';
  }
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
  private readonly guard?: WriterGuard;

  public constructor(props: PlanStoreProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
    this.guard = props.guard;
  }

  /** The same store, every write fenced by `guard`. */
  public fencedBy(guard: WriterGuard): PlanStore {
    return new PlanStore({ documents: this.documents, tableName: this.tableName, guard });
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
      await this.put({ TableName: this.tableName, Item: { pk: `UPDATE#${updateId}`, sk: `PLAN#${String(i).padStart(4, '0')}`, data: blob.slice(i * PART_BYTES, (i + 1) * PART_BYTES) } }, updateId);
    }
    await this.put({ TableName: this.tableName, Item: { pk: `UPDATE#${updateId}`, sk: 'PLAN', planHash: plan.planHash, parts }, ConditionExpression: 'attribute_not_exists(pk)' }, updateId);
    return plan;
  }

  private async put(put: { TableName: string; Item: Record<string, unknown>; ConditionExpression?: string }, updateId: string): Promise<void> {
    if (this.guard) await sendFenced(this.documents, this.tableName, this.guard, [{ Put: put }], () => new PlanRaceError(updateId));
    else await this.documents.send(new PutCommand(put));
  }

  public async load(updateId: string): Promise<Plan | undefined> {
    const header = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: `UPDATE#${updateId}`, sk: 'PLAN' }, ConsistentRead: true }));
    if (!header.Item) return undefined;
    const chunks = (await queryPrefix(this.documents, this.tableName, `UPDATE#${updateId}`, 'PLAN#')).map((item) => item.data as string);
    return decompressJson<Plan>(chunks.slice(0, Number(header.Item.parts)).join(''));
  }
}

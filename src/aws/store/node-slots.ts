import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, type BatchGetCommandOutput, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lockKey } from './lock-store';
import { FenceRejectedError } from './store-errors';

export interface NodeSlotsProps {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface NodeClaim {
  readonly cluster: string;
  readonly updateId: string;
  /** The lock's owner and fence: a claim is written only while they hold the cluster's lock. */
  readonly owner: string;
  readonly fence: number;
  readonly node: string;
  /** Who works on the node: `wave#3`, `service#search`. */
  readonly holder: string;
  /** The services this claim takes out on the node, each with its outage budget. */
  readonly services: readonly { readonly name: string; readonly budget: number }[];
  /** A crashed holder's claim can be reclaimed after this long; every re-claim renews it. @default 1800 */
  readonly ttlSeconds?: number;
}

/** One entry of a service's outage slots: a node whose replica is out, who took it out, and until when. */
export interface SlotEntry {
  readonly holder: string;
  readonly fence: number;
  /** Epoch seconds; absent on a failed entry, which stays until a resume repairs the node. */
  readonly expiresAt?: number;
  readonly failed?: boolean;
  readonly error?: string;
}

export type ClaimResult =
  | { readonly granted: true }
  /** Taken by someone still working (wait and try again), or held out by a failure that only a resume repairs. */
  | { readonly granted: false; readonly blockedByFailure?: string };

const MAX_CONFLICT_RETRIES = 10;

/**
 * Availability guard for the rollout, where platform waves and service updates
 * run in parallel:
 * - a node mutex (`MUTEX#<cluster>#<node>`): one actor (a wave or a service
 *   update) works on a node at a time. It carries the update id, the fence and
 *   an expiry: the same holder of the same update re-enters it (a rerun), a new
 *   update never re-enters an old update's mutex, but takes it over once the
 *   old one is superseded (its fence is older than the lock's) or expired;
 * - outage slots (`SLOTS#<updateId>#<service>`): per service, a map node →
 *   entry of the replicas that are out; never more entries than the service's
 *   outage budget (replicas − minHealthy).
 * A claim takes the mutex and every slot in ONE transaction, with the lock's
 * (owner, fence) as a ConditionCheck, all or nothing, so no holder ever waits
 * while holding part of what it needs: no deadlock.
 *
 * A node that failed keeps its mutex and slot entries, marked failed and
 * without expiry (`markFailed`): it is still out, and every later claim counts
 * it, until a resume repairs it (the same holder re-claims and then releases).
 */
export class NodeSlots {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly slotItemsKnown = new Set<string>();

  public constructor(props: NodeSlotsProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
  }

  /** Granted (also when the same holder of the same update holds it already); else why not. */
  public async tryClaim(claim: NodeClaim, now = Date.now()): Promise<ClaimResult> {
    await this.ensureSlotItems(claim);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.documents.send(new TransactWriteCommand({ TransactItems: this.claimItems(claim, now) }));
        return { granted: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'TransactionConflict') && attempt < MAX_CONFLICT_RETRIES) {
          await jitter(attempt);
          continue;
        }
        if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new FenceRejectedError(claim.cluster, claim, {});
        // Expired entries of a crashed holder are cleared, then the claim is tried once more.
        if (attempt === 1 && (await this.clearExpired(claim, now))) continue;
        return { granted: false, blockedByFailure: await this.failureBlocking(claim) };
      }
    }
  }

  /**
   * Gives the node and its slots back. Idempotent; a TransactionConflict is
   * retried (never swallowed), and a mutex that is no longer ours (expired and
   * reclaimed) is left alone while our slot entries are still removed.
   */
  public async release(claim: Omit<NodeClaim, 'ttlSeconds'>): Promise<void> {
    const slotRemovals = claim.services.map((service) => ({
      Update: {
        TableName: this.tableName,
        Key: slotsKey(claim.updateId, service.name),
        UpdateExpression: 'REMOVE holders.#node',
        ConditionExpression: 'attribute_not_exists(holders.#node) OR holders.#node.holder = :holder',
        ExpressionAttributeNames: { '#node': claim.node },
        ExpressionAttributeValues: { ':holder': claim.holder },
      },
    }));
    const mutexDelete = {
      Delete: {
        TableName: this.tableName,
        Key: mutexKey(claim.cluster, claim.node),
        ConditionExpression: 'attribute_not_exists(pk) OR (holder = :holder AND updateId = :updateId)',
        ExpressionAttributeValues: { ':holder': claim.holder, ':updateId': claim.updateId },
      },
    };
    let items: Record<string, unknown>[] = [mutexDelete, ...slotRemovals];
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (items.length > 0) await this.documents.send(new TransactWriteCommand({ TransactItems: items as never }));
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'TransactionConflict')) {
          await jitter(attempt);
          continue;
        }
        // Conditions: the mutex (index 0) or a slot entry belongs to someone else now; give back only what is ours.
        const notOurs = new Set(reasons.map((r, i) => (r.Code === 'ConditionalCheckFailed' ? i : -1)).filter((i) => i >= 0));
        items = items.filter((_, i) => !notOurs.has(i));
      }
    }
  }

  /** The node failed: its mutex and slot entries stay, marked failed and without expiry, until a resume repairs it. */
  public async markFailed(claim: Omit<NodeClaim, 'ttlSeconds'>, error: string): Promise<void> {
    const items = [
      {
        Update: {
          TableName: this.tableName,
          Key: mutexKey(claim.cluster, claim.node),
          UpdateExpression: 'SET failed = :true, #error = :error REMOVE expiresAt',
          ConditionExpression: 'holder = :holder AND updateId = :updateId',
          ExpressionAttributeNames: { '#error': 'error' },
          ExpressionAttributeValues: { ':true': true, ':error': error.slice(0, 500), ':holder': claim.holder, ':updateId': claim.updateId },
        },
      },
      ...claim.services.map((service) => ({
        Update: {
          TableName: this.tableName,
          Key: slotsKey(claim.updateId, service.name),
          UpdateExpression: 'SET holders.#node.failed = :true, holders.#node.#error = :error REMOVE holders.#node.expiresAt',
          ConditionExpression: 'holders.#node.holder = :holder',
          ExpressionAttributeNames: { '#node': claim.node, '#error': 'error' },
          ExpressionAttributeValues: { ':true': true, ':error': error.slice(0, 500), ':holder': claim.holder },
        },
      })),
    ];
    await this.writeWithRetries(items);
  }

  /** What an update holds, read from the slot items themselves: service → node → entry. */
  public async held(updateId: string, services: readonly string[]): Promise<Map<string, Map<string, SlotEntry>>> {
    const held = new Map<string, Map<string, SlotEntry>>();
    for (const service of services) {
      const item = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: slotsKey(updateId, service), ConsistentRead: true }));
      const holders = (item.Item?.holders ?? {}) as Record<string, SlotEntry>;
      if (Object.keys(holders).length > 0) held.set(service, new Map(Object.entries(holders)));
    }
    return held;
  }

  /** Who works on a node now, if anyone. */
  public async mutex(cluster: string, node: string): Promise<(SlotEntry & { readonly updateId: string }) | undefined> {
    const item = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: mutexKey(cluster, node), ConsistentRead: true }));
    return item.Item as (SlotEntry & { updateId: string }) | undefined;
  }

  /**
   * Who works on each of `nodes` now (nodes nobody holds are absent): the claims in force, read from the mutexes
   * themselves, so a task that starts after a crash or on a resume knows every claim its update holds, including
   * one taken right before the crash and a failed one. BatchGetItem, at most 100 keys a call
   * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html), consistent reads, and
   * the keys it leaves unprocessed asked again.
   */
  public async mutexes(cluster: string, nodes: readonly string[]): Promise<Map<string, SlotEntry & { readonly updateId: string }>> {
    const held = new Map<string, SlotEntry & { updateId: string }>();
    const byKey = new Map(nodes.map((node) => [mutexKey(cluster, node).pk, node]));
    for (let start = 0; start < nodes.length; start += 100) {
      let keys: Record<string, unknown>[] | undefined = nodes.slice(start, start + 100).map((node) => mutexKey(cluster, node));
      for (let attempt = 1; keys && keys.length > 0; attempt += 1) {
        if (attempt > 1) await jitter(attempt);
        const answer: BatchGetCommandOutput = await this.documents.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of answer.Responses?.[this.tableName] ?? []) held.set(byKey.get(String(item.pk))!, item as SlotEntry & { updateId: string });
        keys = answer.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return held;
  }

  private claimItems(claim: NodeClaim, now: number): Record<string, unknown>[] {
    const nowSeconds = Math.floor(now / 1000);
    const expiresAt = nowSeconds + (claim.ttlSeconds ?? 1800);
    const entry = { holder: claim.holder, fence: claim.fence, expiresAt };
    return [
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: lockKey(claim.cluster), sk: 'LOCK' },
          ConditionExpression: '#owner = :owner AND #fence = :fence',
          ExpressionAttributeNames: { '#owner': 'owner', '#fence': 'fence' },
          ExpressionAttributeValues: { ':owner': claim.owner, ':fence': claim.fence },
        },
      },
      {
        // Re-entering our own claim keeps a failed mark off (a resume repairs the node) and renews the expiry.
        Put: {
          TableName: this.tableName,
          Item: { ...mutexKey(claim.cluster, claim.node), holder: claim.holder, updateId: claim.updateId, fence: claim.fence, expiresAt },
          ConditionExpression:
            'attribute_not_exists(pk) OR (updateId = :updateId AND holder = :holder) OR (updateId <> :updateId AND #fence < :fence) OR expiresAt < :now',
          ExpressionAttributeNames: { '#fence': 'fence' },
          ExpressionAttributeValues: { ':holder': claim.holder, ':updateId': claim.updateId, ':fence': claim.fence, ':now': nowSeconds },
        },
      },
      ...claim.services.map((service) => ({
        Update: {
          TableName: this.tableName,
          Key: slotsKey(claim.updateId, service.name),
          UpdateExpression: 'SET budget = :budget, holders.#node = :entry',
          ConditionExpression: 'size(holders) < :budget OR holders.#node.holder = :holder',
          ExpressionAttributeNames: { '#node': claim.node },
          ExpressionAttributeValues: { ':budget': service.budget, ':entry': entry, ':holder': claim.holder },
        },
      })),
    ];
  }

  /** A slot item's `holders` map must exist before an entry can be SET into it. */
  private async ensureSlotItems(claim: NodeClaim): Promise<void> {
    for (const service of claim.services) {
      const key = `${claim.updateId}#${service.name}`;
      if (this.slotItemsKnown.has(key)) continue;
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: slotsKey(claim.updateId, service.name),
          UpdateExpression: 'SET holders = if_not_exists(holders, :empty), budget = :budget',
          ExpressionAttributeValues: { ':empty': {}, ':budget': service.budget },
        }),
      );
      this.slotItemsKnown.add(key);
    }
  }

  /** Removes slot entries whose holder's claim expired (a crashed holder); true when any was removed. */
  private async clearExpired(claim: NodeClaim, now: number): Promise<boolean> {
    const nowSeconds = Math.floor(now / 1000);
    let cleared = false;
    for (const [service, entries] of await this.held(claim.updateId, claim.services.map((s) => s.name))) {
      for (const [node, entry] of entries) {
        if (entry.failed || entry.expiresAt === undefined || entry.expiresAt >= nowSeconds) continue;
        try {
          await this.documents.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: slotsKey(claim.updateId, service),
              UpdateExpression: 'REMOVE holders.#node',
              ConditionExpression: 'holders.#node.expiresAt = :seen',
              ExpressionAttributeNames: { '#node': node },
              ExpressionAttributeValues: { ':seen': entry.expiresAt },
            }),
          );
          cleared = true;
        } catch (error) {
          if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
        }
      }
    }
    return cleared;
  }

  /**
   * Why a refused claim cannot be granted in this run at all: the node itself
   * is held out by a failure, or a service's failed entries fill its budget
   * (taking this replica out too would go below minHealthy).
   */
  private async failureBlocking(claim: NodeClaim): Promise<string | undefined> {
    const mutex = await this.mutex(claim.cluster, claim.node);
    if (mutex?.failed && !(mutex.updateId === claim.updateId && mutex.holder === claim.holder)) {
      return `${claim.node} is held out by the failed ${mutex.holder}${mutex.error ? ` (${mutex.error})` : ''}`;
    }
    for (const service of claim.services) {
      const entries = (await this.held(claim.updateId, [service.name])).get(service.name) ?? new Map<string, SlotEntry>();
      const failedNodes = [...entries].filter(([node, e]) => e.failed && node !== claim.node).map(([node]) => node);
      if (failedNodes.length >= service.budget) {
        return `${service.name} is at its outage budget (${service.budget}) with failed replicas out on ${failedNodes.sort().join(', ')}`;
      }
    }
    return undefined;
  }

  private async writeWithRetries(items: Record<string, unknown>[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.documents.send(new TransactWriteCommand({ TransactItems: items as never }));
        return;
      } catch (error) {
        const conflict = error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict');
        if (!conflict || attempt >= MAX_CONFLICT_RETRIES) throw error;
        await jitter(attempt);
      }
    }
  }
}

function jitter(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * 50 * attempt));
}

function mutexKey(cluster: string, node: string): { pk: string; sk: string } {
  return { pk: `MUTEX#${cluster}#${node}`, sk: 'MUTEX' };
}

function slotsKey(updateId: string, service: string): { pk: string; sk: string } {
  return { pk: `SLOTS#${updateId}#${service}`, sk: 'SLOTS' };
}

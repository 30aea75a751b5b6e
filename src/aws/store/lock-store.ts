import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LockHeldError, type LockHolder } from './store-errors';

export interface LockStoreProps {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface LockGrant {
  readonly fence: number;
  readonly owner: string;
  readonly updateId: string;
  readonly leaseExpiresAt: number;
  /** Set when an expired lease (or an earlier execution of the same update) was taken over. */
  readonly tookOverFrom?: { readonly owner: string; readonly updateId: string; readonly fence: number };
}

type LockState = 'FREE' | 'ACTIVE' | 'PARKED';

export type LockItem = Omit<LockHolder, 'state'> & { readonly pk: string; readonly sk: string; readonly state: LockState };

/**
 * The leader lock: one update per cluster. A lease with a fencing token.
 *
 *   update A  ──acquire(fence 1)──renew──renew──✗ crashed
 *                                       lease expires ┐
 *   update B                         acquire ─────────┴► takeover (fence 2)
 *   A's late write (fence 1) ──► rejected by every checkpoint write's ConditionCheck
 *
 * The owner is the execution ARN, which a redrive keeps, so a redriven run
 * re-acquires its own lock with the same fence. A failed update PARKs its
 * lock: it never expires, so nobody starts over a half-updated cluster; only
 * its own resume (same update id) or `unlock --force` frees it. The fence
 * only ever grows, across releases too.
 */
export class LockStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(props: LockStoreProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
  }

  /**
   * `mayTakeOverFrom`: a rollback names the update it undoes, whose PARKED
   * lock it may take over (a running update's lock, never).
   */
  public async acquire(request: { cluster: string; updateId: string; owner: string; leaseSeconds: number; now?: number; mayTakeOverFrom?: string }): Promise<LockGrant> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const now = request.now ?? Date.now();
      const leaseExpiresAt = now + request.leaseSeconds * 1000;
      const current = await this.get(request.cluster);
      if (!current) {
        if (await this.tryWrite(request, { fence: 1, leaseExpiresAt, condition: 'attribute_not_exists(pk)', values: {} })) {
          return { fence: 1, owner: request.owner, updateId: request.updateId, leaseExpiresAt };
        }
        continue; // someone created it first; look again
      }
      const state = current.state ?? 'FREE';
      const mine = current.owner === request.owner && state !== 'FREE';
      if (keepsOut(current, request, now)) throw new LockHeldError(toHolder(current));
      // Renewing our own lock keeps the fence; any change of owner advances it.
      const fence = mine ? current.fence : current.fence + 1;
      const written = await this.tryWrite(request, {
        fence,
        leaseExpiresAt,
        acquiredAt: mine ? current.acquiredAt : undefined,
        condition: '#owner = :seenOwner AND #fence = :seenFence AND #state = :seenState',
        values: { ':seenOwner': current.owner ?? '', ':seenFence': current.fence, ':seenState': state },
      });
      if (written) {
        const tookOver = !mine && state !== 'FREE' ? { owner: current.owner, updateId: current.updateId, fence: current.fence } : undefined;
        return { fence, owner: request.owner, updateId: request.updateId, leaseExpiresAt, ...(tookOver ? { tookOverFrom: tookOver } : {}) };
      }
    }
    throw new LockHeldError(toHolder((await this.get(request.cluster))!));
  }

  /**
   * What `start`, `resume` and `rollback` check before they write anything:
   * throws LockHeldError when `acquire` for that update would (ignoring a
   * race); otherwise returns the lock as it read it.
   */
  public async assertAvailable(request: { cluster: string; updateId: string; mayTakeOverFrom?: string; now?: number }): Promise<LockItem | undefined> {
    const current = await this.get(request.cluster);
    if (current && keepsOut(current, request, request.now ?? Date.now())) throw new LockHeldError(toHolder(current));
    return current;
  }

  /** Extends the lease of a lock we hold. */
  public async renew(request: { cluster: string; owner: string; fence: number; leaseSeconds: number; now?: number }): Promise<number> {
    const leaseExpiresAt = (request.now ?? Date.now()) + request.leaseSeconds * 1000;
    await this.guardedUpdate(request, 'SET leaseExpiresAt = :lease, #state = :active', { ':lease': leaseExpiresAt, ':active': 'ACTIVE' });
    return leaseExpiresAt;
  }

  /** A failed update keeps the cluster: the lock no longer expires until resumed or force-unlocked. */
  public async park(request: { cluster: string; owner: string; fence: number }): Promise<void> {
    await this.guardedUpdate(request, 'SET #state = :parked', { ':parked': 'PARKED' });
  }

  /** A finished update frees the cluster; the fence is kept so it keeps growing. */
  public async release(request: { cluster: string; owner: string; fence: number }): Promise<void> {
    await this.guardedUpdate(request, 'SET #state = :free, leaseExpiresAt = :zero', { ':free': 'FREE', ':zero': 0 });
  }

  /** Hand-over: the same owner continues with a new fence; every older fence is now rejected. */
  public async advanceFence(request: { cluster: string; owner: string; fence: number }): Promise<number> {
    const result = await this.guardedUpdate(request, 'SET #fence = #fence + :one', { ':one': 1 });
    return Number(result?.fence);
  }

  /** `unlock --force`: frees the lock whoever holds it and advances the fence, so the old holder can write nothing more. */
  public async forceUnlock(cluster: string): Promise<LockHolder | undefined> {
    const current = await this.get(cluster);
    if (!current || current.state === 'FREE') return undefined;
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: lockKey(cluster), sk: 'LOCK' },
        UpdateExpression: 'SET #state = :free, #fence = #fence + :one, leaseExpiresAt = :zero',
        ConditionExpression: '#fence = :seenFence',
        ExpressionAttributeNames: { '#state': 'state', '#fence': 'fence' },
        ExpressionAttributeValues: { ':free': 'FREE', ':one': 1, ':zero': 0, ':seenFence': current.fence },
      }),
    );
    return toHolder(current);
  }

  public async get(cluster: string): Promise<LockItem | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: lockKey(cluster), sk: 'LOCK' }, ConsistentRead: true }));
    return result.Item as LockItem | undefined;
  }

  private async tryWrite(
    request: { cluster: string; updateId: string; owner: string },
    write: { fence: number; leaseExpiresAt: number; acquiredAt?: string; condition: string; values: Record<string, unknown> },
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: lockKey(request.cluster),
            sk: 'LOCK',
            cluster: request.cluster,
            owner: request.owner,
            updateId: request.updateId,
            fence: write.fence,
            state: 'ACTIVE',
            leaseExpiresAt: write.leaseExpiresAt,
            acquiredAt: write.acquiredAt ?? new Date().toISOString(),
          },
          ConditionExpression: write.condition,
          ...(Object.keys(write.values).length > 0
            ? { ExpressionAttributeNames: { '#owner': 'owner', '#fence': 'fence', '#state': 'state' }, ExpressionAttributeValues: write.values }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** An update of the lock conditioned on (owner, fence): a stale holder gets LockHeldError naming who holds it now. */
  private async guardedUpdate(request: { cluster: string; owner: string; fence: number }, expression: string, values: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    try {
      const result = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: lockKey(request.cluster), sk: 'LOCK' },
          UpdateExpression: expression,
          ConditionExpression: '#owner = :owner AND #fence = :fence',
          ExpressionAttributeNames: { '#owner': 'owner', '#fence': 'fence', ...(expression.includes('#state') ? { '#state': 'state' } : {}) },
          ExpressionAttributeValues: { ':owner': request.owner, ':fence': request.fence, ...values },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return result.Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const holder = await this.get(request.cluster);
        throw new LockHeldError(holder ? toHolder(holder) : { cluster: request.cluster, updateId: '-', owner: '-', fence: 0, state: 'ACTIVE', acquiredAt: '-', leaseExpiresAt: 0 });
      }
      throw error;
    }
  }
}

export function lockKey(cluster: string): string {
  return `LOCK#${cluster}`;
}

/**
 * Whether the lock as it stands keeps a would-be holder out: it does unless
 * it is free, already that owner's or that update's (a redrive, a resume), an
 * expired lease, or the PARKED lock of the update a rollback undoes.
 */
function keepsOut(current: LockItem, request: { updateId: string; owner?: string; mayTakeOverFrom?: string }, now: number): boolean {
  const state = current.state ?? 'FREE';
  if (state === 'FREE') return false;
  if (current.owner === request.owner || current.updateId === request.updateId) return false;
  if (state === 'ACTIVE' && current.leaseExpiresAt < now) return false;
  return !(state === 'PARKED' && request.mayTakeOverFrom !== undefined && current.updateId === request.mayTakeOverFrom);
}

function toHolder(item: Omit<LockHolder, 'state'> & { state?: string }): LockHolder {
  return {
    cluster: item.cluster,
    updateId: item.updateId,
    owner: item.owner,
    fence: item.fence,
    state: item.state === 'PARKED' ? 'PARKED' : 'ACTIVE',
    acquiredAt: item.acquiredAt,
    leaseExpiresAt: item.leaseExpiresAt,
  };
}

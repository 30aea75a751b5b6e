import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExecutionReader, OwnerExecution } from '../executions/execution-reader';
import { FencedOutError, LockHeldError, OwnerStillRunningError, type LockHolder } from './store-errors';

export interface LockStoreProps {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * How the lock learns whether its holder's execution still runs
   * (DescribeExecution). Without it an expired lease counts as dead.
   */
  readonly executions?: ExecutionReader;
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

export type LockItem = Omit<LockHolder, 'state'> & {
  readonly pk: string;
  readonly sk: string;
  readonly state: LockState;
  /** The run of the owner execution that holds the lock: `$$.Execution.RedriveCount` when it (re)acquired. */
  readonly generation?: number;
  /** When the lock was last parked (ISO). */
  readonly parkedAt?: string;
};

/** Who asks: an execution (its ARN) in one of its runs (its redrive count). */
export interface LockClaimant {
  readonly cluster: string;
  readonly owner: string;
  /** `$$.Execution.RedriveCount` of the invocation. @default 0 */
  readonly generation?: number;
}

/**
 * The leader lock: one update per cluster. A lease with a fencing token; the
 * owner is the execution ARN, and `generation` the run of that execution
 * (its redrive count) that holds the lock.
 *
 *   run 0 of A  acquire(f1) ─renew─renew─renew─ … ─┐ stop --now: park → f2 PARKED
 *   run 0's in-flight task                          └──── write(f1) ✗  enter(run 0) ✗ (parked, not newer)
 *   run 1 of A (redrive)                                  enter(run 1) → re-acquire f3 ACTIVE, generation 1
 *   run 1's other tasks (state still says f1)             enter(run 1) → adopt f3 (same run)
 *   update B    start ─► refused while A is PARKED, or ACTIVE with a live lease,
 *               or expired but A's execution still RUNNING (DescribeExecution)
 *
 * Every change of holder — a takeover, a new run, a park, a hand-over,
 * `unlock --force` — advances the fence, so every write an older holder has
 * in flight (each is conditioned on owner + fence) is rejected. The fence only
 * ever grows, across releases too. `renew` extends only an ACTIVE lock: it
 * never unparks.
 */
export class LockStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly executions?: ExecutionReader;

  public constructor(props: LockStoreProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
    this.executions = props.executions;
  }

  /**
   * AcquireLock. `mayTakeOverFrom`: a rollback names the update it undoes,
   * whose PARKED lock it may take over (a running update's lock, never).
   */
  public async acquire(request: LockClaimant & { updateId: string; leaseSeconds: number; now?: number; mayTakeOverFrom?: string }): Promise<LockGrant> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const now = request.now ?? Date.now();
      const leaseExpiresAt = now + request.leaseSeconds * 1000;
      const generation = request.generation ?? 0;
      const current = await this.get(request.cluster);
      if (!current) {
        if (await this.tryPut(request, { fence: 1, generation, leaseExpiresAt, condition: 'attribute_not_exists(pk)', values: {} })) {
          return { fence: 1, owner: request.owner, updateId: request.updateId, leaseExpiresAt };
        }
        continue; // someone created it first; look again
      }
      const keep = await this.decide(current, request, now);
      // A retried AcquireLock of the run that holds the lock keeps its fence; any other change of holder advances it.
      const fence = keep ? current.fence : current.fence + 1;
      const written = await this.tryPut(request, {
        fence,
        generation,
        leaseExpiresAt,
        acquiredAt: keep ? current.acquiredAt : undefined,
        condition: '#owner = :seenOwner AND #fence = :seenFence AND #state = :seenState',
        values: { ':seenOwner': current.owner ?? '', ':seenFence': current.fence, ':seenState': current.state ?? 'FREE' },
      });
      if (written) {
        const tookOver = !keep && (current.state ?? 'FREE') !== 'FREE' && current.owner !== request.owner ? { owner: current.owner, updateId: current.updateId, fence: current.fence } : undefined;
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
    if (current) await this.decide(current, { ...request, owner: '' }, request.now ?? Date.now());
    return current;
  }

  /**
   * The task handler's first call in every invocation after AcquireLock:
   * resolves the fence this invocation writes with, and renews the lease.
   * - the lock is ACTIVE for this run of the execution → renew; the fence is the lock's
   *   (a state that still carries an older fence of the same run — hand-over, re-acquire — adopts it);
   * - this is a newer run (a redrive) than the one holding or parking the lock → re-acquire: ACTIVE, fence + 1;
   * - anything else (an older run, a PARKED lock of this same run, another owner, FREE) → FencedOutError.
   */
  public async enter(request: LockClaimant & { fence: number; leaseSeconds: number; now?: number }): Promise<{ fence: number; leaseExpiresAt: number }> {
    const generation = request.generation ?? 0;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const current = await this.get(request.cluster);
      const lockGeneration = current?.generation ?? 0;
      const fencedOut = () => new FencedOutError(request.cluster, { owner: request.owner, fence: request.fence, generation }, { owner: current?.owner, fence: current?.fence, state: current?.state, generation: current?.generation });
      if (!current || current.owner !== request.owner || current.state === 'FREE' || request.fence > current.fence || generation < lockGeneration) throw fencedOut();
      if (generation === lockGeneration && current.state !== 'ACTIVE') throw fencedOut(); // parked: the stopped run's late invocation
      const leaseExpiresAt = (request.now ?? Date.now()) + request.leaseSeconds * 1000;
      const newRun = generation > lockGeneration;
      const fence = newRun ? current.fence + 1 : current.fence;
      try {
        await this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: lockKey(request.cluster), sk: 'LOCK' },
            UpdateExpression: 'SET leaseExpiresAt = :lease, #state = :active, #fence = :fence, #generation = :generation',
            ConditionExpression: `#owner = :owner AND #fence = :seenFence AND #state = :seenState AND ${generationIs(lockGeneration)}`,
            ExpressionAttributeNames: { '#owner': 'owner', '#fence': 'fence', '#state': 'state', '#generation': 'generation' },
            ExpressionAttributeValues: { ':lease': leaseExpiresAt, ':active': 'ACTIVE', ':fence': fence, ':generation': generation, ':owner': request.owner, ':seenFence': current.fence, ':seenState': current.state, ':seenGeneration': lockGeneration },
          }),
        );
        return { fence, leaseExpiresAt };
      } catch (error) {
        // Another task of this run renewed or re-acquired first (parallel branches), or a checkpoint
        // transaction held the item (TransactionConflict): look again.
        const conflict = error instanceof Error && error.name === 'TransactionConflictException';
        if (!(error instanceof ConditionalCheckFailedException) && !conflict) throw error;
        if (conflict) await new Promise((r) => setTimeout(r, Math.random() * 50 * (attempt + 1)));
      }
    }
    const current = await this.get(request.cluster);
    throw new FencedOutError(request.cluster, { owner: request.owner, fence: request.fence, generation }, { owner: current?.owner, fence: current?.fence, state: current?.state, generation: current?.generation });
  }

  /** Throws FencedOutError unless (owner, fence) holds the lock ACTIVE right now (a consistent read): checked before every SendCommand. */
  public async verify(guard: { cluster: string; owner: string; fence: number }): Promise<void> {
    const current = await this.get(guard.cluster);
    if (!current || current.owner !== guard.owner || current.fence !== guard.fence || current.state !== 'ACTIVE') {
      throw new FencedOutError(guard.cluster, guard, { owner: current?.owner, fence: current?.fence, state: current?.state, generation: current?.generation });
    }
  }

  /** Extends the lease of a lock we hold ACTIVE; a PARKED or lost lock gets LockHeldError (renew never unparks). */
  public async renew(request: { cluster: string; owner: string; fence: number; leaseSeconds: number; now?: number }): Promise<number> {
    const leaseExpiresAt = (request.now ?? Date.now()) + request.leaseSeconds * 1000;
    await this.guardedUpdate(request, 'SET leaseExpiresAt = :lease', { ':lease': leaseExpiresAt });
    return leaseExpiresAt;
  }

  /**
   * A failed or stopped update keeps the cluster: the lock no longer expires
   * until resumed or force-unlocked. The fence advances, so nothing the parked
   * run still has in flight lands. Returns the new fence.
   */
  public async park(request: { cluster: string; owner: string; fence: number }): Promise<number> {
    const result = await this.guardedUpdate(request, 'SET #state = :parked, #fence = #fence + :one, parkedAt = :now', { ':parked': 'PARKED', ':one': 1, ':now': new Date().toISOString() });
    return Number(result?.fence);
  }

  /** A finished update frees the cluster; the fence is kept so it keeps growing. */
  public async release(request: { cluster: string; owner: string; fence: number }): Promise<void> {
    await this.guardedUpdate(request, 'SET #state = :free, leaseExpiresAt = :zero', { ':free': 'FREE', ':zero': 0 });
  }

  /** The same owner continues with a new fence; every older fence is now rejected. */
  public async advanceFence(request: { cluster: string; owner: string; fence: number }): Promise<number> {
    const result = await this.guardedUpdate(request, 'SET #fence = #fence + :one', { ':one': 1 });
    return Number(result?.fence);
  }

  /**
   * `unlock --force`: frees the lock and advances the fence, so the old holder
   * can write nothing more — refused while the holder's execution is RUNNING
   * (StopExecution first: a running execution would go on beside the next update).
   */
  public async forceUnlock(cluster: string): Promise<LockHolder | undefined> {
    const current = await this.get(cluster);
    if (!current || current.state === 'FREE') return undefined;
    const execution = await this.ownerExecution(current);
    if (execution?.status === 'RUNNING') throw new OwnerStillRunningError(toHolder(current), execution);
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

  /**
   * Whether the claimant may take the lock as it stands: `true` = it is this
   * run's own ACTIVE lock (keep the fence), `false` = take it (advance the
   * fence); otherwise throws LockHeldError (another holder) or FencedOutError
   * (an older run of the claimant itself).
   *
   * Takeover only of the dead: an ACTIVE lock of another execution is taken
   * only when that execution is not RUNNING (DescribeExecution) and its lease
   * has expired — or, for the same update (a resume), as soon as it is not RUNNING.
   */
  private async decide(current: LockItem, request: LockClaimant & { updateId: string; mayTakeOverFrom?: string }, now: number): Promise<boolean> {
    const state = current.state ?? 'FREE';
    if (state === 'FREE') return false;
    if (current.owner === request.owner) {
      const generation = request.generation ?? 0;
      const lockGeneration = current.generation ?? 0;
      if (generation > lockGeneration) return false;
      if (generation === lockGeneration && state === 'ACTIVE') return true;
      throw new FencedOutError(request.cluster, { owner: request.owner, fence: current.fence, generation }, { owner: current.owner, fence: current.fence, state, generation: lockGeneration });
    }
    if (state === 'PARKED') {
      if (current.updateId === request.updateId || (request.mayTakeOverFrom !== undefined && current.updateId === request.mayTakeOverFrom)) return false;
      throw new LockHeldError(toHolder(current));
    }
    const execution = await this.ownerExecution(current);
    if (execution?.status === 'RUNNING') throw new LockHeldError(toHolder(current), execution);
    const dead = this.executions !== undefined && execution?.status !== 'RUNNING';
    if (current.leaseExpiresAt < now || (dead && current.updateId === request.updateId)) return false;
    throw new LockHeldError(toHolder(current), execution);
  }

  private async ownerExecution(current: LockItem): Promise<OwnerExecution | undefined> {
    if (!this.executions || !current.owner?.startsWith('arn:')) return undefined;
    return this.executions(current.owner);
  }

  private async tryPut(
    request: { cluster: string; updateId: string; owner: string },
    write: { fence: number; generation: number; leaseExpiresAt: number; acquiredAt?: string; condition: string; values: Record<string, unknown> },
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
            generation: write.generation,
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

  /** An update of the ACTIVE lock conditioned on (owner, fence): a stale holder gets LockHeldError naming who holds it now. */
  private async guardedUpdate(request: { cluster: string; owner: string; fence: number }, expression: string, values: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    try {
      const result = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: lockKey(request.cluster), sk: 'LOCK' },
          UpdateExpression: expression,
          ConditionExpression: '#owner = :owner AND #fence = :fence AND #state = :isActive',
          ExpressionAttributeNames: { '#owner': 'owner', '#fence': 'fence', '#state': 'state' },
          ExpressionAttributeValues: { ':owner': request.owner, ':fence': request.fence, ':isActive': 'ACTIVE', ...values },
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

/** The condition that the lock's generation is still the one read (a lock written before generations counts as run 0). */
function generationIs(seen: number): string {
  return seen === 0 ? '(attribute_not_exists(#generation) OR #generation = :seenGeneration)' : '#generation = :seenGeneration';
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

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface NodeSlotsProps {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface NodeClaim {
  readonly cluster: string;
  readonly updateId: string;
  readonly node: string;
  /** Who works on the node: `wave#3`, `service#search`. */
  readonly holder: string;
  /** The services this claim takes out on the node, each with its outage budget. */
  readonly services: readonly { readonly name: string; readonly budget: number }[];
  /** A crashed holder's claim can be reclaimed after this long. @default 900 */
  readonly ttlSeconds?: number;
}

/**
 * Availability guard for the rollout, where platform waves and service updates
 * run in parallel:
 * - a node mutex: one actor (a wave or a service update) works on a node at a time;
 * - outage slots: per service, the set of nodes whose replica is out; never
 *   more than the service's outage budget (replicas − minHealthy).
 * A claim takes the mutex and every slot in ONE transaction, all or nothing,
 * so no holder ever waits while holding part of what it needs: no deadlock.
 */
/** How often release() retries a transaction DynamoDB cancelled for a conflict. */
const RELEASE_CONFLICT_RETRIES = 8;

export class NodeSlots {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(props: NodeSlotsProps) {
    this.documents = props.documents;
    this.tableName = props.tableName;
  }

  /** True when the claim was granted (or was already held by the same holder); false when the node or a slot is taken. */
  public async tryClaim(claim: NodeClaim, now = Date.now()): Promise<boolean> {
    const expiresAt = Math.floor(now / 1000) + (claim.ttlSeconds ?? 900);
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: mutexKey(claim.cluster, claim.node), sk: 'MUTEX', holder: claim.holder, updateId: claim.updateId, expiresAt },
                ConditionExpression: 'attribute_not_exists(pk) OR holder = :holder OR expiresAt < :now',
                ExpressionAttributeValues: { ':holder': claim.holder, ':now': Math.floor(now / 1000) },
              },
            },
            ...claim.services.map((service) => ({
              Update: {
                TableName: this.tableName,
                Key: { pk: slotsKey(claim.updateId, service.name), sk: 'SLOTS' },
                UpdateExpression: 'SET budget = :budget ADD holders :node',
                ConditionExpression: 'attribute_not_exists(holders) OR size(holders) < :budget OR contains(holders, :nodeId)',
                ExpressionAttributeValues: { ':budget': service.budget, ':node': new Set([claim.node]), ':nodeId': claim.node },
              },
            })),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** Gives the node and its slots back (idempotent). */
  public async release(claim: Omit<NodeClaim, 'ttlSeconds'>): Promise<void> {
    // A TransactionConflict (another transaction on the same item at that moment) is not "someone else holds it":
    // swallowing it left the mutex held until it expired (900 s), stalling the rollout. Retry it with jitter.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.releaseOnce(claim);
      } catch (error) {
        const conflict = error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict');
        if (!conflict || attempt >= RELEASE_CONFLICT_RETRIES) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 50 * attempt));
      }
    }
  }

  private async releaseOnce(claim: Omit<NodeClaim, 'ttlSeconds'>): Promise<void> {
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: { pk: mutexKey(claim.cluster, claim.node), sk: 'MUTEX' },
                ConditionExpression: 'attribute_not_exists(pk) OR holder = :holder',
                ExpressionAttributeValues: { ':holder': claim.holder },
              },
            },
            ...claim.services.map((service) => ({
              Update: {
                TableName: this.tableName,
                Key: { pk: slotsKey(claim.updateId, service.name), sk: 'SLOTS' },
                UpdateExpression: 'DELETE holders :node',
                ExpressionAttributeValues: { ':node': new Set([claim.node]) },
              },
            })),
          ],
        }),
      );
    } catch (error) {
      // Someone else holds the node now (our claim expired and was reclaimed): nothing of ours to give back.
      if (!(error instanceof TransactionCanceledException)) throw error;
      if ((error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict')) throw error;
    }
  }
}

function mutexKey(cluster: string, node: string): string {
  return `MUTEX#${cluster}#${node}`;
}

function slotsKey(updateId: string, service: string): string {
  return `SLOTS#${updateId}#${service}`;
}

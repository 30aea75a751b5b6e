import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { WriterGuard } from './checkpoint-store';
import { lockKey } from './lock-store';
import { FenceRejectedError } from './store-errors';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const MAX_CONFLICT_RETRIES = 10;

/** The ConditionCheck that makes a write land only while (owner, fence) holds the lock. */
export function lockCheck(tableName: string, guard: WriterGuard): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: { pk: lockKey(guard.cluster), sk: 'LOCK' },
      ConditionExpression: '#owner = :owner AND #fence = :fence',
      ExpressionAttributeNames: { '#owner': 'owner', '#fence': 'fence' },
      ExpressionAttributeValues: { ':owner': guard.owner, ':fence': guard.fence },
    },
  };
}

/**
 * Writes `items` in one transaction after a ConditionCheck on the lock. Every
 * task touches the lock item, so DynamoDB cancels some transactions with
 * TransactionConflict: those are retried with jitter. A failed lock check is
 * FenceRejectedError naming who holds the lock now; a failed condition of
 * item i is given to `onItemFailed(i)` for the caller's own error.
 */
export async function sendFenced(documents: DynamoDBDocumentClient, tableName: string, guard: WriterGuard, items: readonly TransactItem[], onItemFailed: (index: number) => Error | Promise<Error>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await documents.send(new TransactWriteCommand({ TransactItems: [lockCheck(tableName, guard), ...items] }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((r) => r.Code === 'TransactionConflict')) {
        if (attempt >= MAX_CONFLICT_RETRIES) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 50 * attempt));
        continue;
      }
      if (reasons[0]?.Code === 'ConditionalCheckFailed') {
        const lock = await documents.send(new GetCommand({ TableName: tableName, Key: { pk: lockKey(guard.cluster), sk: 'LOCK' }, ConsistentRead: true }));
        throw new FenceRejectedError(guard.cluster, guard, { owner: lock.Item?.owner as string | undefined, fence: lock.Item?.fence as number | undefined });
      }
      const index = reasons.findIndex((r, i) => i > 0 && r.Code === 'ConditionalCheckFailed');
      if (index > 0) throw await onItemFailed(index - 1);
      throw error;
    }
  }
}

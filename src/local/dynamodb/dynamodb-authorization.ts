import type { AuthorizationRequest } from '../iam/local-iam';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local-credentials';

const TRANSACT_WRITE_ACTIONS: Readonly<Record<string, string>> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };

/**
 * What IAM checks for one DynamoDB call
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html):
 * the operation's action on the table (or `table/<t>/index/<i>` for a Query or Scan of an index); a
 * TransactWriteItems is authorized item by item as PutItem / UpdateItem / DeleteItem / ConditionCheckItem, a
 * TransactGetItems as GetItem, and Batch* calls on each table they name
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
 */
export function dynamodbAuthorizationRequests(operation: string, input: Record<string, unknown>): AuthorizationRequest[] {
  const table = (name: unknown, index?: unknown) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${String(name)}${index ? `/index/${String(index)}` : ''}`;
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    const items = (input.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? [];
    return items.flatMap((item) =>
      Object.entries(item).map(([kind, body]) => ({ action: `dynamodb:${operation === 'TransactGetItems' ? 'GetItem' : (TRANSACT_WRITE_ACTIONS[kind] ?? kind)}`, resource: table(body.TableName) })),
    );
  }
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    return Object.keys((input.RequestItems as Record<string, unknown> | undefined) ?? {}).map((name) => ({ action: `dynamodb:${operation}`, resource: table(name) }));
  }
  if (operation === 'ListTables') return [{ action: 'dynamodb:ListTables', resource: '*' }];
  return [{ action: `dynamodb:${operation}`, resource: table(input.TableName, input.IndexName) }];
}

import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockStore } from '../../../../src/aws/store/lock-store';
import { NodeSlots } from '../../../../src/aws/store/node-slots';
import { DynamoDbFaultProxy } from '../../../../src/local/dynamodb/dynamodb-fault-proxy';
import { DynamoDbLocal } from '../../../../src/local/dynamodb/dynamodb-local';
import { ServiceFaults } from '../../../../src/local/faults/service-faults';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../src/local/local-credentials';

/**
 * DynamoDB cancels a transaction that meets another one on the same item with TransactionCanceledException and a
 * TransactionConflict reason (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 * That is not "someone else holds the node": releasing must retry it, not leave the mutex held until it expires.
 */
describe('node slots when DynamoDB reports a TransactionConflict', () => {
  let db: DynamoDbLocal;
  let proxy: DynamoDbFaultProxy;
  let direct: DynamoDBDocumentClient;
  let proxied: DynamoDBDocumentClient;
  let conflictNext = false;
  const faults = new ServiceFaults({ transactionConflictFraction: 1 }, () => (conflictNext ? ((conflictNext = false), 0) : 1));

  beforeAll(async () => {
    db = await DynamoDbLocal.start();
    proxy = await DynamoDbFaultProxy.start({ upstream: db.endpoint, faults });
    const client = new DynamoDBClient({ endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await client.send(new CreateTableCommand({ TableName: 'slots-table', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] }));
    direct = DynamoDBDocumentClient.from(client);
    proxied = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: proxy.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
  }, 60_000);
  afterAll(async () => {
    proxied?.destroy();
    direct?.destroy();
    await proxy?.stop();
    await db?.stop();
  });

  it('a release cancelled by a conflict is retried: the node and its slot are free afterwards', async () => {
    const slots = new NodeSlots({ documents: proxied, tableName: 'slots-table' });
    // Claims are fenced: they are written only while (owner, fence) hold the cluster's lock.
    const grant = await new LockStore({ documents: direct, tableName: 'slots-table' }).acquire({ cluster: 'c', updateId: 'u', owner: 'arn:exec:u', leaseSeconds: 60 });
    const claim = { cluster: 'c', updateId: 'u', owner: 'arn:exec:u', fence: grant.fence, node: 'n1', holder: 'wave#1', services: [{ name: 'search', budget: 1 }] };
    expect(await slots.tryClaim(claim)).toEqual({ granted: true });
    conflictNext = true;
    await slots.release(claim);
    expect(faults.produced.dynamodbTransactionConflicts).toBe(1);
    expect((await direct.send(new GetCommand({ TableName: 'slots-table', Key: { pk: 'MUTEX#c#n1', sk: 'MUTEX' } }))).Item).toBeUndefined();
    expect(await slots.tryClaim({ ...claim, holder: 'service#search' })).toEqual({ granted: true });
  });
});

import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../../../src/aws/store/checkpoint-store';
import { LockStore } from '../../../../src/aws/store/lock-store';
import { DynamoDbLocal } from '../../../../src/local/dynamodb/dynamodb-local';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../src/local/local-credentials';

describe('concurrent checkpoint writers on real DynamoDB Local', () => {
  let db: DynamoDbLocal;
  let client: DynamoDBClient;
  beforeAll(async () => {
    db = await DynamoDbLocal.start();
    client = new DynamoDBClient({ endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await client.send(new CreateTableCommand({
      TableName: 'conflicts', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    }));
  });
  afterAll(async () => {
    client?.destroy();
    await db?.stop();
  });

  it('30 tasks writing at once, all checking the same lock item, all succeed', async () => {
    const documents = DynamoDBDocumentClient.from(client);
    const locks = new LockStore({ documents, tableName: 'conflicts' });
    const checkpoints = new CheckpointStore({ documents, tableName: 'conflicts' });
    const { fence } = await locks.acquire({ cluster: 'c', updateId: 'u', owner: 'o', leaseSeconds: 60 });
    const guard = { cluster: 'c', owner: 'o', fence };
    await Promise.all(Array.from({ length: 30 }, (_, i) => checkpoints.begin({ updateId: 'u', phase: 'service', target: `s${i}`, step: 'service' }, guard)));
    await Promise.all(Array.from({ length: 30 }, (_, i) => checkpoints.succeed({ updateId: 'u', phase: 'service', target: `s${i}`, step: 'service' }, guard)));
    expect((await checkpoints.query('u')).filter((c) => c.status === 'SUCCEEDED')).toHaveLength(30);
  });
});

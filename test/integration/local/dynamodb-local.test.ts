import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLocal } from '../../../src/local/dynamodb/dynamodb-local';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';

describe('DynamoDB Local launcher', () => {
  let db: DynamoDbLocal;
  let client: DynamoDBClient;
  beforeAll(async () => {
    db = await DynamoDbLocal.start();
    client = new DynamoDBClient({ endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    client?.destroy();
    await db?.stop();
  });

  it('answers on 127.0.0.1 and enforces conditional writes', async () => {
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await client.send(new CreateTableCommand({
      TableName: 'cluster-update-test', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }));
    await client.send(new PutItemCommand({ TableName: 'cluster-update-test', Item: { pk: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await expect(client.send(new PutItemCommand({ TableName: 'cluster-update-test', Item: { pk: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(pk)' })))
      .rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const item = await client.send(new GetItemCommand({ TableName: 'cluster-update-test', Key: { pk: { S: 'a' } } }));
    expect(item.Item?.pk?.S).toBe('a');
  });

  it('stops without leaving the process behind', async () => {
    const other = await DynamoDbLocal.start();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
  });
});

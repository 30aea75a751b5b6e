import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSlots } from '../../../../src/aws/store/node-slots';
import { DynamoDbLocal } from '../../../../src/local/dynamodb/dynamodb-local';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../src/local/local-credentials';

const TABLE = 'cluster-update-slots-test';

describe('node mutex and outage slots on real DynamoDB Local', () => {
  let db: DynamoDbLocal;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let slots: NodeSlots;

  beforeAll(async () => {
    db = await DynamoDbLocal.start();
    client = new DynamoDBClient({ endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await client.send(new CreateTableCommand({
      TableName: TABLE, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    }));
    documents = DynamoDBDocumentClient.from(client);
    slots = new NodeSlots({ documents, tableName: TABLE });
  });
  afterAll(async () => {
    client?.destroy();
    await db?.stop();
  });

  it('20 concurrent claims on nodes hosting search (budget 2): exactly 2 are granted', async () => {
    const granted = await Promise.all(
      Array.from({ length: 20 }, (_, i) => slots.tryClaim({ cluster: 'c', updateId: 'u', node: `n${i}`, holder: `wave#${i}`, services: [{ name: 'search', budget: 2 }] })),
    );
    expect(granted.filter(Boolean)).toHaveLength(2);
    const item = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'SLOTS#u#search', sk: 'SLOTS' } }));
    expect((item.Item!.holders as Set<string>).size).toBe(2);
  });

  it('a node is worked on by one holder at a time; releasing frees the node and the slot', async () => {
    const claim = { cluster: 'm', updateId: 'u2', node: 'n1', holder: 'wave#1', services: [{ name: 'tql', budget: 1 }] };
    expect(await slots.tryClaim(claim)).toBe(true);
    expect(await slots.tryClaim(claim)).toBe(true); // the same holder again (a rerun)
    expect(await slots.tryClaim({ ...claim, holder: 'service#tql' })).toBe(false);
    expect(await slots.tryClaim({ ...claim, node: 'n2', holder: 'service#tql' })).toBe(false); // tql's only slot is taken by n1
    await slots.release(claim);
    expect(await slots.tryClaim({ ...claim, node: 'n2', holder: 'service#tql' })).toBe(true);
    await slots.release(claim); // idempotent
  });

  it('an expired claim (a crashed holder) can be reclaimed', async () => {
    const claim = { cluster: 'x', updateId: 'u3', node: 'n1', holder: 'wave#1', services: [], ttlSeconds: 1 };
    expect(await slots.tryClaim(claim, Date.now() - 10_000)).toBe(true);
    expect(await slots.tryClaim({ ...claim, holder: 'wave#2' })).toBe(true);
  });
});

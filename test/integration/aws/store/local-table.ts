import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../../../../src/aws/store/table-schema';
import { DynamoDbLocal } from '../../../../src/local/dynamodb/dynamodb-local';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../src/local/local-credentials';

/** Real DynamoDB Local with the project's table (keys and cluster index from TABLE_SCHEMA), for store tests. */
export interface LocalTable {
  readonly tableName: string;
  readonly documents: DynamoDBDocumentClient;
  /** DynamoDB Local's endpoint, for tests that build their own clients. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startLocalTable(tableName = 'cluster-update-test'): Promise<LocalTable> {
  const db = await DynamoDbLocal.start();
  const client = new DynamoDBClient({ endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const { partitionKey, sortKey, clusterIndex } = TABLE_SCHEMA;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [partitionKey, sortKey, clusterIndex.partitionKey, clusterIndex.sortKey].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }, { AttributeName: sortKey, KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [
        { IndexName: clusterIndex.name, KeySchema: [{ AttributeName: clusterIndex.partitionKey, KeyType: 'HASH' }, { AttributeName: clusterIndex.sortKey, KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
      ],
    }),
  );
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    tableName,
    documents,
    endpoint: db.endpoint,
    async stop() {
      client.destroy();
      await db.stop();
    },
  };
}

/**
 * Key names of the single table (docs/ARCHITECTURE.md "Single DynamoDB table").
 * The CDK construct and the local runtime both build the table from these.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL deletes expired items (garbage collection only, never correctness). */
  timeToLiveAttribute: 'expiresAt',
  /** Lists a cluster's updates, newest first: gsi1pk = `CLUSTER#<cluster>`, gsi1sk = createdAt (ISO). */
  clusterIndex: { name: 'byCluster', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

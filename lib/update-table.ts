import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../src/aws/store/table-schema';

export interface UpdateTableProps {
  /** What happens to the table when the stack is deleted. @default RemovalPolicy.RETAIN (it holds the update history) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single table holding the leader lock, update records, persisted plans,
 * checkpoints, node mutexes and outage slots. On-demand, encrypted, with
 * point-in-time recovery; TTL only garbage-collects.
 */
export class UpdateTable extends Construct {
  public readonly table: Table;

  public constructor(scope: Construct, id: string, props: UpdateTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.clusterIndex.name,
      partitionKey: { name: TABLE_SCHEMA.clusterIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.clusterIndex.sortKey, type: AttributeType.STRING },
    });
  }
}

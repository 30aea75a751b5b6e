import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { StepRunnerDocument } from './step-runner-document';
import { UpdateTable } from './update-table';

export type ClusterUpdateStackProps = StackProps;

/**
 * The cluster-update control plane. Today: the table holding locks, plans and
 * checkpoints, and the step-runner SSM document. The update state machine,
 * its Lambda tasks and the dashboard are added by the workflow (issue #5) and
 * observability (issue #6) work.
 */
export class ClusterUpdateStack extends Stack {
  public readonly table: UpdateTable;
  public readonly stepRunner: StepRunnerDocument;

  public constructor(scope: Construct, id: string, props: ClusterUpdateStackProps = {}) {
    super(scope, id, { description: 'cluster-update: updates a cluster with a canary, rolling waves, a service DAG, checkpoints and resume', ...props });
    this.table = new UpdateTable(this, 'Updates');
    this.stepRunner = new StepRunnerDocument(this, 'StepRunner');
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'DynamoDB table with locks, plans and checkpoints' });
    new CfnOutput(this, 'DocumentName', { value: this.stepRunner.documentName, description: 'SSM document the workflow runs on nodes' });
  }
}

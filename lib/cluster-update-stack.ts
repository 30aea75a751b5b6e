import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { UpdateAlarms, UpdateDashboard, UpdateNotifications } from './observability';
import { StepRunnerDocument } from './step-runner-document';
import { TaskFunctions } from './task-functions';
import { UpdateStateMachine } from './update-state-machine';
import { UpdateTable } from './update-table';
import { suppressJustifiedFindings } from './private/nag-suppressions';

export interface ClusterUpdateStackProps extends StackProps {
  /** How long one task invocation waits on node commands before handing back to the poll loop. @default 240 */
  readonly pollBudgetSeconds?: number;
  /**
   * The leader lock's lease in seconds (the task functions' LEASE_SECONDS). Every task invocation renews it
   * when it starts and every lease/3 while it runs; a crashed update's lock is taken over only after it
   * expires and its execution is no longer RUNNING. @default 1800
   */
  readonly leaseSeconds?: number;
  /** An email address subscribed to the notifications topic (executions ended, alarms). @default no subscription */
  readonly notificationEmail?: string;
}

/**
 * The cluster-update control plane: the table holding locks, plans and
 * checkpoints, the step-runner SSM document, one Lambda function per task, and
 * the update state machine that drives them; and how operators watch it: a
 * dashboard, alarms and a notifications topic.
 */
export class ClusterUpdateStack extends Stack {
  public readonly table: UpdateTable;
  public readonly stepRunner: StepRunnerDocument;
  public readonly tasks: TaskFunctions;
  public readonly workflow: UpdateStateMachine;
  public readonly notifications: UpdateNotifications;
  public readonly alarms: UpdateAlarms;
  public readonly dashboard: UpdateDashboard;

  public constructor(scope: Construct, id: string, props: ClusterUpdateStackProps = {}) {
    super(scope, id, { description: 'cluster-update: updates a cluster with a canary, rolling waves, a service DAG, checkpoints and resume', ...props });
    this.table = new UpdateTable(this, 'Updates');
    this.stepRunner = new StepRunnerDocument(this, 'StepRunner');
    this.tasks = new TaskFunctions(this, 'Tasks', { table: this.table.table, documentName: this.stepRunner.documentName, pollBudgetSeconds: props.pollBudgetSeconds, leaseSeconds: props.leaseSeconds });
    this.workflow = new UpdateStateMachine(this, 'Workflow', { functions: this.tasks, leaseSeconds: props.leaseSeconds });
    const stateMachine = this.workflow.stateMachine;
    this.tasks.grantDescribeOwnExecutions(this, stateMachine);
    this.notifications = new UpdateNotifications(this, 'Notifications', { stateMachine, email: props.notificationEmail });
    this.alarms = new UpdateAlarms(this, 'Alarms', { stateMachine, topic: this.notifications.topic });
    this.dashboard = new UpdateDashboard(this, 'Dashboard', { stateMachine, functions: this.tasks.functions, stackName: this.stackName, alarms: this.alarms.all });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn, description: 'Start an update: cluster-update start' });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'DynamoDB table with locks, plans and checkpoints' });
    new CfnOutput(this, 'DocumentName', { value: this.stepRunner.documentName, description: 'SSM document the workflow runs on nodes' });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName, description: 'CloudWatch dashboard of updates' });
    new CfnOutput(this, 'NotificationTopicArn', { value: this.notifications.topic.topicArn, description: 'SNS topic: updates ended, alarms (subscribe with -c notificationEmail=…)' });
    suppressJustifiedFindings(this);
  }
}

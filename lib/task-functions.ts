import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_TAG } from '../src/aws/inventory/ssm-inventory';
import { PACKAGE_ROOT } from '../src/package-root';
import { markLocalHandler } from './private/local-handler';

import { TASKS, type TaskName } from '../src/workflow/task-names';

// Defined beside the handlers' code (the CLI names tasks too, without loading the CDK).
export { TASKS, type TaskName };

export interface TaskFunctionsProps {
  readonly table: ITable;
  /** The step-runner document name (a Ref). */
  readonly documentName: string;
  /** How long one task invocation waits on commands before handing back to the poll loop. @default 240 */
  readonly pollBudgetSeconds?: number;
  /** The lock lease (LEASE_SECONDS), renewed when every invocation starts and every lease/3 while it runs. @default 1800 */
  readonly leaseSeconds?: number;
}

/**
 * One NodejsFunction per task, bundled by esbuild, least privilege: the table,
 * SendCommand only with the step-runner document and only on instances tagged
 * with a cluster, and the read-only SSM calls that have no resource scoping.
 */
const PROJECT_ROOT = PACKAGE_ROOT;
/**
 * npm never publishes package-lock.json, so an installed package has none. The lock file only tells bundling
 * which package manager to use; the local runtime synthesizes this stack without bundling, so there package.json
 * stands in for it (npm, the default).
 */
const LOCK_FILE = [join(PROJECT_ROOT, 'package-lock.json'), join(PROJECT_ROOT, 'package.json')].find((file) => existsSync(file))!;

export class TaskFunctions extends Construct {
  public readonly functions: Readonly<Record<TaskName, NodejsFunction>>;

  public constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const pollBudget = props.pollBudgetSeconds ?? 240;
    const functions = {} as Record<TaskName, NodejsFunction>;
    for (const task of TASKS) {
      const fn = new NodejsFunction(this, pascal(task), {
        entry: join(PROJECT_ROOT, 'lambdas', `${task}.ts`),
        // Explicit, so synth (and the local runtime, which synthesizes this stack) works from any working directory.
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: LOCK_FILE,
        handler: 'handler',
        runtime: Runtime.NODEJS_24_X,
        memorySize: 512,
        timeout: Duration.seconds(pollBudget + 60),
        tracing: Tracing.ACTIVE,
        logGroup: new LogGroup(this, `${pascal(task)}Logs`, { retention: RetentionDays.ONE_MONTH }),
        environment: {
          TABLE_NAME: props.table.tableName,
          DOCUMENT_NAME: props.documentName,
          POLL_BUDGET_SECONDS: String(pollBudget),
          LEASE_SECONDS: String(props.leaseSeconds ?? 1800),
          POWERTOOLS_SERVICE_NAME: 'cluster-update',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
        bundling: { minify: true, sourceMap: true, target: 'node22' },
      });
      markLocalHandler(fn, `lambdas/${task}.ts`);
      props.table.grantReadWriteData(fn);
      fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['ssm:SendCommand'],
          resources: [stack.formatArn({ service: 'ssm', resource: 'document', resourceName: props.documentName })],
        }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['ssm:SendCommand'],
          resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }), stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' })],
          conditions: { StringLike: { [`ssm:resourceTag/${CLUSTER_TAG}`]: '*' } },
        }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['ssm:ListCommandInvocations', 'ssm:ListCommands', 'ssm:GetCommandInvocation', 'ssm:CancelCommand', 'ssm:DescribeInstanceInformation', 'ssm:ListTagsForResource'],
          resources: ['*'],
        }),
      );
      if (task === 'plan-update') {
        // The inventory reads the tags of EC2 instance nodes (i-…) from EC2. DescribeTags and DescribeInstances
        // support no resource-level permissions, so Resource must be "*"
        // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html). Read-only.
        fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['ec2:DescribeTags', 'ec2:DescribeInstances'], resources: ['*'] }));
      }
      if (task === 'hand-over') {
        // The hand-over resolves the `$DEFAULT` version the canary ran to its number, to pin it.
        fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['ssm:DescribeDocument'], resources: [stack.formatArn({ service: 'ssm', resource: 'document', resourceName: props.documentName })] }));
      }
      functions[task] = fn;
    }
    this.functions = functions;
  }

  /**
   * The task functions that take or judge the lock ask DescribeExecution of
   * its owner (takeover only of the dead; the task handler and `unlock`), on
   * this state machine's executions only. A Policy of its own, attached after
   * the state machine exists: the functions' default policies cannot name it
   * (the state machine already depends on the functions).
   */
  public grantDescribeOwnExecutions(scope: Construct, stateMachine: StateMachine): void {
    const stack = Stack.of(this);
    const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    new Policy(scope, 'DescribeOwnExecutions', {
      roles: LOCK_TAKERS.map((task) => this.functions[task].role!),
      statements: [new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:DescribeExecution'], resources: [executions] })],
    });
  }
}

/** AcquireLock takes over an expired lease only from an execution that is not RUNNING. */
const LOCK_TAKERS: readonly TaskName[] = ['acquire-lock'];

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

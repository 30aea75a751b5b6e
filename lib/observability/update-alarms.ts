import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { MetricName } from '../../src/workflow/metric-names';
import { workflowMetric } from './workflow-metric';

export interface UpdateAlarmsProps {
  /** The update state machine whose executions are watched. */
  readonly stateMachine: IStateMachine;
  /** Where alarms are sent. */
  readonly topic: ITopic;
  /** The window each alarm sums over. @default Duration.minutes(5) */
  readonly period?: Duration;
}

/**
 * One alarm per way an update ends badly: an execution failed, timed out or
 * was aborted (AWS/States), and a canary failed (the workflow's own metric).
 * Each fires on the first occurrence in its window and notifies the topic; no
 * data (no updates running) is not a problem.
 */
export class UpdateAlarms extends Construct {
  public readonly executionsFailed: Alarm;
  public readonly executionsTimedOut: Alarm;
  public readonly executionsAborted: Alarm;
  public readonly canaryFailed: Alarm;

  public constructor(scope: Construct, id: string, props: UpdateAlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const alarm = (name: string, metric: IMetric, description: string) => {
      const created = new Alarm(this, name, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new SnsAction(props.topic));
      return created;
    };
    const machine = props.stateMachine;
    this.executionsFailed = alarm('ExecutionsFailed', machine.metricFailed({ period, statistic: 'Sum' }), 'An update execution failed; `cluster-update status` shows why, `cluster-update resume` finishes it.');
    this.executionsTimedOut = alarm('ExecutionsTimedOut', machine.metricTimedOut({ period, statistic: 'Sum' }), 'An update execution timed out; `cluster-update resume` redrives it from the step that timed out.');
    this.executionsAborted = alarm('ExecutionsAborted', machine.metricAborted({ period, statistic: 'Sum' }), 'An update execution was aborted (StopExecution); the cluster may be part-updated.');
    this.canaryFailed = alarm('CanaryFailed', workflowMetric(MetricName.CanaryFailed, { period }), 'A canary failed; nothing but the canary node was touched. Fix it and run `cluster-update resume`.');
  }

  /** Every alarm, for lists and dashboards. */
  public get all(): readonly Alarm[] {
    return [this.executionsFailed, this.executionsTimedOut, this.executionsAborted, this.canaryFailed];
  }
}

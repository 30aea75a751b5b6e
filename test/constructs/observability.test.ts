import { Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ClusterUpdateStack, type ClusterUpdateStackProps } from '../../lib/cluster-update-stack';
import { TASKS } from '../../lib/task-functions';
import { DURATION_PHASES, MetricName } from '../../src/workflow/metric-names';
import { testApp } from '../fixtures/test-app';

function synth(props: ClusterUpdateStackProps = {}): { stack: Stack; template: Template } {
  const app = testApp();
  const stack = new ClusterUpdateStack(app, 'Ops', props);
  Aspects.of(stack).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

const STATE_MACHINE = { Ref: Match.stringLikeRegexp('^WorkflowStateMachine') };

/** The dashboard body with every token (Ref, GetAtt) rendered as a readable placeholder. */
function dashboardBody(template: Template): string {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const parts = (dashboard!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`)).join('');
}

describe('observability of ClusterUpdateStack', () => {
  const { stack, template } = synth();

  it('has a dashboard of executions, phase durations, nodes, services, canary failures, lock held and task errors', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = dashboardBody(template);
    const widgets = (JSON.parse(body.replace(/<[^>]*>/g, 'TOKEN')) as { widgets: { type: string; properties: { title?: string; markdown?: string; metrics?: unknown[][] } }[] }).widgets;
    expect(widgets.map((w) => w.properties.title).filter(Boolean)).toEqual(['Alarms', 'Executions', 'Execution time', 'Updates ended', 'Phase durations', 'Nodes', 'Services', 'Updates ended, per cluster', 'Nodes failed, per cluster', 'Task function errors']);
    const metricsOf = (title: string) => widgets.find((w) => w.properties.title === title)!.properties.metrics!.map((m) => `${String(m[0])}/${String(m[1])}`);
    expect(metricsOf('Executions')).toEqual(['AWS/States/ExecutionsStarted', 'AWS/States/ExecutionsSucceeded', 'AWS/States/ExecutionsFailed', 'AWS/States/ExecutionsAborted', 'AWS/States/ExecutionsTimedOut', 'AWS/States/ExecutionsRedriven']);
    expect(metricsOf('Execution time')).toEqual(['AWS/States/ExecutionTime', 'AWS/States/ExecutionTime']);
    expect(metricsOf('Updates ended')).toEqual(['UpdatesSucceeded', 'UpdatesFailed', 'UpdatesStopped', 'CanaryFailed', 'LockHeld'].map((m) => `ClusterUpdate/${m}`));
    expect(metricsOf('Nodes')).toEqual(['NodesUpdated', 'NodesFailed', 'NodesSkipped'].map((m) => `ClusterUpdate/${m}`));
    expect(metricsOf('Services')).toEqual(['ServicesUpdated', 'ServicesFailed', 'ServicesSkipped'].map((m) => `ClusterUpdate/${m}`));
    // One line per phase, each with its phase dimension, none keyed by node or update.
    const phases = widgets.find((w) => w.properties.title === 'Phase durations')!.properties.metrics!;
    const dimensionsOf = (m: unknown[]) => Object.fromEntries([[m[2], m[3]], [m[4], m[5]]]) as Record<string, unknown>;
    expect(phases.map((m) => `${String(m[0])}/${String(m[1])}`)).toEqual(DURATION_PHASES.map(() => `ClusterUpdate/${MetricName.PhaseDuration}`));
    expect(phases.map(dimensionsOf)).toEqual(DURATION_PHASES.map((phase) => ({ service: 'cluster-update', phase })));
    expect(metricsOf('Task function errors')).toHaveLength(TASKS.length);
    // Per-cluster lines come from a SEARCH over the {service, cluster} dimension set.
    const perCluster = JSON.stringify(widgets.find((w) => w.properties.title === 'Updates ended, per cluster')!.properties.metrics);
    expect(perCluster).toContain(`SEARCH('{ClusterUpdate,cluster,service} MetricName=\\"UpdatesFailed\\"', 'Sum', 300)`);
    expect(body).not.toMatch(/"(node|updateId)"/);
    // The operator's way to watch from a terminal, with this stack's name.
    expect(widgets[0]!.properties.markdown).toContain('cluster-update status --watch --target aws --stack Ops');
  });

  it('alarms on failed, timed-out and aborted executions and on a failed canary, each notifying the topic', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const byMetric = Object.fromEntries(Object.values(alarms).map((a) => [`${String(a.Properties.Namespace)}/${String(a.Properties.MetricName)}`, a.Properties as Record<string, unknown>]));
    expect(Object.keys(byMetric).sort()).toEqual(['AWS/States/ExecutionsAborted', 'AWS/States/ExecutionsFailed', 'AWS/States/ExecutionsTimedOut', 'ClusterUpdate/CanaryFailed']);
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const [metric, alarm] of Object.entries(byMetric)) {
      expect(alarm, metric).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Statistic: 'Sum', TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: topic }] });
    }
    for (const metric of ['AWS/States/ExecutionsFailed', 'AWS/States/ExecutionsTimedOut', 'AWS/States/ExecutionsAborted']) {
      expect((byMetric[metric]!.Dimensions as { Name: string; Value: { Ref: string } }[])[0]).toMatchObject({ Name: 'StateMachineArn', Value: { Ref: expect.stringMatching(/^WorkflowStateMachine/) as unknown } });
    }
    expect(byMetric['ClusterUpdate/CanaryFailed']!.Dimensions).toEqual([{ Name: 'service', Value: 'cluster-update' }]);
  });

  it('announces every ended execution of this state machine on the topic, saying which, how it ended and why', () => {
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'], detail: { stateMachineArn: [STATE_MACHINE], status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] } },
      Targets: [Match.objectLike({ Arn: { Ref: topic }, InputTransformer: Match.objectLike({ InputPathsMap: { 'detail-name': '$.detail.name', 'detail-status': '$.detail.status', 'detail-error': '$.detail.error', 'detail-cause': '$.detail.cause', 'detail-executionArn': '$.detail.executionArn' } }) })],
    });
    const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rule!.Properties.Targets[0].InputTransformer.InputTemplate).toMatch(/execution <detail-name> ended <detail-status>.*Cause: <detail-cause>/s);
  });

  it('encrypts the topic with a rotated KMS key that EventBridge and CloudWatch may use, and refuses publishing without TLS', () => {
    const [key] = Object.keys(template.findResources('AWS::KMS::Key'));
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const keyStatements = Object.values(template.findResources('AWS::KMS::Key'))[0]!.Properties.KeyPolicy.Statement as { Effect: string; Principal: unknown; Action: string[] }[];
    const topicPolicy = template.findResources('AWS::SNS::TopicPolicy');
    const statements = Object.values(topicPolicy)[0]!.Properties.PolicyDocument.Statement as { Effect: string; Principal: unknown; Condition?: unknown; Action: string }[];
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      expect(statements.some((s) => s.Effect === 'Allow' && s.Action === 'sns:Publish' && JSON.stringify(s.Principal).includes(service)), service).toBe(true);
      expect(keyStatements.some((s) => s.Effect === 'Allow' && s.Action.includes('kms:GenerateDataKey*') && JSON.stringify(s.Principal).includes(service)), service).toBe(true);
    }
  });

  const withEmail = synth({ notificationEmail: 'ops@example.com' }).template;
  it('has no email subscription unless an address is given', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('outputs the dashboard name and the topic ARN', () => {
    const [dashboard] = Object.keys(template.findResources('AWS::CloudWatch::Dashboard'));
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasOutput('DashboardName', { Value: { Ref: dashboard } });
    template.hasOutput('NotificationTopicArn', { Value: { Ref: topic } });
  });

  it('grants the task functions no CloudWatch permission (metrics go out as EMF log lines)', () => {
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('cloudwatch:PutMetricData');
  });

  it('passes the cdk-nag AwsSolutions checks with no unsuppressed finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect([...errors, ...warnings].map((f) => `${f.id}: ${String(f.entry.data)}`)).toEqual([]);
  });
});

import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, EventField } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The execution statuses announced on the topic. */
export const NOTIFIED_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export interface UpdateNotificationsProps {
  /** The state machine whose finished executions are announced. */
  readonly stateMachine: IStateMachine;
  /** An email address subscribed to the topic (it must confirm the subscription). @default no subscription */
  readonly email?: string;
}

/**
 * An SNS topic, encrypted with its own KMS key and reachable only over TLS,
 * that hears about every update execution that ends (an EventBridge rule on
 * Step Functions status changes) and about the alarms (UpdateAlarms).
 */
export class UpdateNotifications extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;
  public readonly rule: Rule;

  public constructor(scope: Construct, id: string, props: UpdateNotificationsProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', { description: 'cluster-update notifications topic', enableKeyRotation: true, pendingWindow: Duration.days(7), removalPolicy: RemovalPolicy.DESTROY });
    this.topic = new Topic(this, 'Topic', { displayName: 'cluster-update', masterKey: this.key, enforceSSL: true });
    // Publishers of an encrypted topic need its key, and the topic policy CDK writes replaces SNS's default one:
    // CloudWatch (alarm actions) is named here, for alarms of this account only; EventBridge gets both grants
    // from the rule's SnsTopic target below.
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const thisAccount = { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } };
    this.key.addToResourcePolicy(new PolicyStatement({ effect: Effect.ALLOW, principals: [cloudwatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: thisAccount }));
    this.topic.addToResourcePolicy(new PolicyStatement({ effect: Effect.ALLOW, principals: [cloudwatch], actions: ['sns:Publish'], resources: [this.topic.topicArn], conditions: thisAccount }));
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    this.rule = new Rule(this, 'ExecutionEnded', {
      description: 'cluster-update: an update execution ended',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: [...NOTIFIED_STATUSES] },
      },
    });
    this.rule.addTarget(
      new SnsTopic(this.topic, {
        message: RuleTargetInput.fromText(
          [
            `cluster-update: execution ${EventField.fromPath('$.detail.name')} ended ${EventField.fromPath('$.detail.status')}.`,
            `Error: ${EventField.fromPath('$.detail.error')}`,
            `Cause: ${EventField.fromPath('$.detail.cause')}`,
            `Execution: ${EventField.fromPath('$.detail.executionArn')}`,
            'Details: cluster-update status --target aws',
          ].join('\n'),
        ),
      }),
    );
  }
}

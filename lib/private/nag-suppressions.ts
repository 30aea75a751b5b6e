import type { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';

/**
 * The cdk-nag AwsSolutions findings this stack accepts, each with its reason.
 * Everything else must pass.
 */
export function suppressJustifiedFindings(stack: Stack): void {
  NagSuppressions.addStackSuppressions(stack, [
    {
      id: 'AwsSolutions-IAM4',
      reason: 'Lambda functions use the AWS-managed AWSLambdaBasicExecutionRole for their own log streams only.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'ssm:ListCommandInvocations, GetCommandInvocation, CancelCommand, DescribeInstanceInformation and ListTagsForResource, and ec2:DescribeTags and DescribeInstances (the plan task only, read-only) support no ' +
        'resource-level scoping; SendCommand on instances is limited by the cluster-update:cluster tag condition; X-Ray, log delivery and ' +
        'Lambda invoke (function versions) need wildcards that CDK generates; the table grant includes its index ARN.',
    },
  ]);
}

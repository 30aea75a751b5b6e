import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ClusterUpdateStack } from '../../lib/cluster-update-stack';
import { testApp } from '../fixtures/test-app';

/**
 * The plan task reads EC2 instance tags from EC2: ec2:DescribeTags and ec2:DescribeInstances have no resource-level
 * permissions, so their Resource is "*" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html);
 * only the function that reads the inventory gets them.
 */
describe('inventory grants', () => {
  const app = testApp();
  const template = Template.fromStack(new ClusterUpdateStack(app, 'Test')).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const policies = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Policy');
  const statementsOf = (id: string) => (policies.find(([logicalId]) => logicalId.startsWith(`Tasks${id}ServiceRoleDefaultPolicy`))![1].Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement;
  const grants = (id: string) => statementsOf(id).filter((s) => [s.Action].flat().some((a) => a.startsWith('ec2:')));

  it('lets the plan task call ec2:DescribeTags and ec2:DescribeInstances on "*"', () => {
    expect(grants('PlanUpdate')).toEqual([expect.objectContaining({ Action: ['ec2:DescribeTags', 'ec2:DescribeInstances'], Resource: '*', Effect: 'Allow' })]);
  });

  it('gives no other task an EC2 permission', () => {
    for (const task of ['AcquireLock', 'RunHooks', 'CanaryStep', 'HandOver', 'RunRollout', 'Finalize', 'RecordOutcome']) expect(grants(task), task).toEqual([]);
  });
});

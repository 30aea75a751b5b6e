import { describe, expect, it } from 'vitest';
import { AccessDenied, functionCredentials, LocalIam } from '../../../src/local/iam/local-iam';
import { functionRoles } from '../../../src/local/iam/function-roles';
import { localTemplate } from '../../fixtures/local-template';
import { dynamodbAuthorizationRequests } from '../../../src/local/dynamodb/dynamodb-authorization';
import { commandDocuments } from '../../../src/local/template/command-documents';
import { findResources, physicalName } from '../../../src/local/template';

/**
 * The local IAM evaluates each function's calls against its role's policies in the synthesized template, with real
 * ARNs and condition keys (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html;
 * SendCommand resources and ssm:resourceTag/<key>: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html;
 * TransactWriteItems authorized per item: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
 */
const template = localTemplate();
const iam = LocalIam.ifAvailable(template)!;
const canary = functionRoles(template).find((r) => r.functionLogicalId.startsWith('TasksCanaryStep'))!;
const key = functionCredentials(canary.functionLogicalId).accessKeyId;
const documentArn = `arn:aws:ssm:us-east-1:000000000000:document/${commandDocuments(template)[0]!.name}`;
const table = physicalName(template, Object.keys(findResources(template, 'AWS::DynamoDB::Table'))[0]!);
const denied = (promise: Promise<void>) => expect(promise).rejects.toBeInstanceOf(AccessDenied);

describe('local IAM over the synthesized roles', () => {
  it('allows SendCommand of the step runner to a node carrying the cluster tag, EC2 or hybrid', async () => {
    const tagged = { 'ssm:resourceTag/cluster-update:cluster': 'analytics-prod' };
    await iam.authorize(key, [
      { action: 'ssm:SendCommand', resource: documentArn },
      { action: 'ssm:SendCommand', resource: 'arn:aws:ec2:us-east-1:000000000000:instance/i-0123456789abcdef0', context: tagged },
      { action: 'ssm:SendCommand', resource: 'arn:aws:ssm:us-east-1:000000000000:managed-instance/mi-0123456789abcdef0', context: tagged },
    ]);
  });

  it('denies SendCommand to a node without the cluster tag, and of any other document', async () => {
    await denied(iam.authorize(key, [{ action: 'ssm:SendCommand', resource: 'arn:aws:ec2:us-east-1:000000000000:instance/i-0123456789abcdef0' }]));
    await denied(iam.authorize(key, [{ action: 'ssm:SendCommand', resource: 'arn:aws:ssm:us-east-1::document/AWS-RunShellScript' }]));
  });

  it('allows the table item by item in a transaction and denies another table and what the grant leaves out', async () => {
    const transaction = { TransactItems: [{ ConditionCheck: { TableName: table } }, { Put: { TableName: table } }] };
    expect(dynamodbAuthorizationRequests('TransactWriteItems', transaction).map((r) => r.action)).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
    await iam.authorize(key, dynamodbAuthorizationRequests('TransactWriteItems', transaction));
    await iam.authorize(key, dynamodbAuthorizationRequests('Query', { TableName: table, IndexName: 'byCluster' }));
    await denied(iam.authorize(key, dynamodbAuthorizationRequests('PutItem', { TableName: 'someone-elses-table' })));
    await denied(iam.authorize(key, dynamodbAuthorizationRequests('DeleteTable', { TableName: table })));
  });

  it('gives EC2 DescribeTags to the plan task only; an operator key is not restricted', async () => {
    const plan = functionRoles(template).find((r) => r.functionLogicalId.startsWith('TasksPlanUpdate'))!;
    await iam.authorize(functionCredentials(plan.functionLogicalId).accessKeyId, [{ action: 'ec2:DescribeTags', resource: '*' }]);
    await denied(iam.authorize(key, [{ action: 'ec2:DescribeTags', resource: '*' }]));
    await iam.authorize('local', [{ action: 'dynamodb:DeleteTable', resource: `arn:aws:dynamodb:us-east-1:000000000000:table/${table}` }]);
  });
});

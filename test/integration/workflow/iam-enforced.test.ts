import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTemplate } from '../../fixtures/local-template';
import { findResources, type CloudFormationTemplate } from '../../../src/local/template';
import { WorkflowHarness } from './workflow-harness';

/**
 * Each function's calls are evaluated against its own role's policies from the synthesized template, and what the
 * role does not allow fails with AccessDeniedException as on AWS
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html). Here the plan task's role loses
 * ssm:ListTagsForResource, which the inventory needs for hybrid nodes.
 */
function withoutListTagsForPlan(): CloudFormationTemplate {
  const template = localTemplate();
  const [, policy] = Object.entries(findResources(template, 'AWS::IAM::Policy')).find(([id]) => id.startsWith('TasksPlanUpdateServiceRoleDefaultPolicy'))!;
  const document = policy.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] };
  for (const statement of document.Statement) {
    if (Array.isArray(statement.Action)) statement.Action = statement.Action.filter((action) => action !== 'ssm:ListTagsForResource');
  }
  return template;
}

describe('IAM enforced on the local runtime', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ template: withoutListTagsForPlan() });
  }, 300_000);
  afterAll(async () => harness?.stop());

  it('a plan task without ssm:ListTagsForResource fails the update with AccessDeniedException; nothing runs on a node', async () => {
    // The operator's own calls (the CLI reads the inventory the same way) are not restricted.
    const started = await harness.start();
    const execution = await harness.finished(started.executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('AccessDeniedException');
    expect(execution.cause).toMatch(/assumed-role\/[^/]+\/[^ ]*TasksPlanUpdate[^ ]* is not authorized to perform: ssm:ListTagsForResource on resource: arn:aws:ssm:[a-z0-9-]+:\d{12}:managed-instance\/node-1 because no identity-based policy allows the ssm:ListTagsForResource action/);
    expect((await harness.updates.require(started.updateId)).status).toBe('FAILED');
    expect(harness.fleet.operations()).toEqual([]);
  }, 300_000);
});

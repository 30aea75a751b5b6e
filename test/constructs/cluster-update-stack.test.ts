import { Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ClusterUpdateStack } from '../../lib/cluster-update-stack';
import { RE2JS } from 're2js';
import { STEP_KINDS } from '../../src/core/step-runner/step-runner-contract';
import { STEP_RUNNER_DOCUMENT_BUDGET_BYTES } from '../../src/core/step-runner/command-size';
import { testApp } from '../fixtures/test-app';

function synth(): { stack: Stack; template: Template } {
  const app = testApp();
  const stack = new ClusterUpdateStack(app, 'Test');
  Aspects.of(stack).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

describe('ClusterUpdateStack', () => {
  const { stack, template } = synth();

  it('has an on-demand, encrypted table with point-in-time recovery, TTL and the cluster index, kept on stack deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byCluster' })],
      },
    });
  });

  it('has a Command document whose every parameter is validated by an allowedPattern or allowedValues', () => {
    const documents = template.findResources('AWS::SSM::Document');
    const [document] = Object.values(documents);
    expect(document!.Properties.DocumentType).toBe('Command');
    const parameters = document!.Properties.Content.parameters as Record<string, { allowedPattern?: string; allowedValues?: string[] }>;
    expect(Object.keys(parameters).sort()).toEqual(['ExecutionTimeout', 'Kind', 'Previous', 'Release', 'Script', 'Step', 'UpdateId']);
    for (const [name, spec] of Object.entries(parameters)) expect(spec.allowedPattern ?? spec.allowedValues, name).toBeDefined();
    expect(parameters.Kind!.allowedValues).toEqual([...STEP_KINDS]);
    // Shell metacharacters never pass a name or version pattern.
    for (const name of ['Step', 'Release', 'UpdateId']) expect(new RegExp(parameters[name]!.allowedPattern!).test('x; rm -rf /')).toBe(false);
    expect(new RegExp(parameters.Script!.allowedPattern!).test("echo 'hi'")).toBe(false);
    // The step's timeout is the manifest's, passed as a parameter: SSM's executionTimeout range, nothing else.
    const timeout = new RegExp(parameters.ExecutionTimeout!.allowedPattern!);
    for (const ok of ['1', '5', '3600', '172800']) expect(timeout.test(ok), ok).toBe(true);
    for (const bad of ['0', '172801', '5; reboot', '-1']) expect(timeout.test(bad), bad).toBe(false);
    const step = (document!.Properties.Content.mainSteps as { inputs: { timeoutSeconds: string } }[])[0]!;
    expect(step.inputs.timeoutSeconds).toBe('{{ ExecutionTimeout }}');
  });

  // The SSM Agent compiles allowedPattern with Go's regexp (RE2): a pattern it refuses fails every command on every node
  // (amazon-ssm-agent agent/framework/docparser/paramvalidator/allowedregexparamvalidator; https://pkg.go.dev/regexp/syntax).
  it("has only allowedPatterns that RE2 (the SSM Agent's regexp) compiles", () => {
    const [document] = Object.values(template.findResources('AWS::SSM::Document'));
    const parameters = document!.Properties.Content.parameters as Record<string, { allowedPattern?: string }>;
    const refused = Object.entries(parameters).flatMap(([name, spec]) => {
      if (!spec.allowedPattern) return [];
      try {
        RE2JS.compile(spec.allowedPattern);
        return [];
      } catch (error) {
        return [`${name}: ${(error as Error).message}`];
      }
    });
    expect(refused).toEqual([]);
    const script = RE2JS.compile(parameters.Script!.allowedPattern!);
    expect(script.test(Buffer.from("echo 'hi'").toString('base64'))).toBe(true);
    expect(script.test('not base64!')).toBe(false);
  });

  // The document's content and its run-time parameters share SSM's 64 KB quota
  // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html, Content): the manifest's
  // command limit assumes the document itself stays within its budget.
  it('keeps the step-runner document within its share of the 64 KB document-and-parameters quota', () => {
    const [document] = Object.values(template.findResources('AWS::SSM::Document'));
    expect(Buffer.byteLength(JSON.stringify(document!.Properties.Content))).toBeLessThanOrEqual(STEP_RUNNER_DOCUMENT_BUDGET_BYTES);
  });

  it('outputs what the CLI needs', () => {
    template.hasOutput('TableName', {});
    template.hasOutput('DocumentName', {});
  });

  it('passes the cdk-nag AwsSolutions checks with no unsuppressed finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect([...errors, ...warnings].map((f) => `${f.id}: ${String(f.entry.data)}`)).toEqual([]);
  });
});

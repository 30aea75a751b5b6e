import { Template } from 'aws-cdk-lib/assertions';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { ClusterUpdateStack } from '../../lib/cluster-update-stack';
import { findResources, resolveValue, type CloudFormationTemplate } from '../../src/local/template';
import { testApp } from '../fixtures/test-app';

/**
 * The synthesized definition is valid Amazon States Language (https://states-language.net/spec.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html), checked by asl-validator
 * (JSON schemas + JSONPath syntax + ARNs), beside the cdk-nag checks of the stack.
 */
const app = testApp();
const stack = new ClusterUpdateStack(app, 'Test');
const json = Template.fromStack(stack).toJSON() as CloudFormationTemplate;

function definitions(): [string, Record<string, unknown>][] {
  return Object.entries(findResources(json, 'AWS::StepFunctions::StateMachine')).map(([id, machine]) => [id, JSON.parse(String(resolveValue(json, machine.Properties!.DefinitionString))) as Record<string, unknown>]);
}

describe('the synthesized state machine definition', () => {
  it('is valid Amazon States Language for asl-validator', () => {
    const found = definitions();
    expect(found.length).toBeGreaterThan(0);
    for (const [id, definition] of found) {
      const result = aslValidator(definition);
      expect(result.errorsText('\n'), id).toBe('');
      expect(result.isValid, id).toBe(true);
    }
  });

  it('would be refused with a transition to a missing state (the check is not vacuous)', () => {
    const [[, definition]] = definitions() as [[string, { StartAt: string; States: Record<string, Record<string, unknown>> }]];
    const broken = { ...definition, States: { ...definition.States, [definition.StartAt]: { ...definition.States[definition.StartAt], Next: 'NoSuchState' } } };
    expect(aslValidator(broken).isValid).toBe(false);
  });
});

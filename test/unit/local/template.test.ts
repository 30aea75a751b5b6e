import { describe, expect, it } from 'vitest';
import { findResources, physicalName, resolveValue, resourceArn, type CloudFormationTemplate } from '../../../src/local/template';

const template: CloudFormationTemplate = {
  Resources: {
    Fn1: { Type: 'AWS::Lambda::Function', Properties: {} },
    Table1: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'updates' } },
    Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
    Doc: { Type: 'AWS::SSM::Document', Properties: { Name: { 'Fn::Join': ['-', ['cu', { Ref: 'AWS::Region' }]] } } },
  },
};

describe('offline CloudFormation resolution', () => {
  it('resolves Ref, GetAtt Arn, Join, Sub, Select and Split the way the local runtime needs', () => {
    expect(resolveValue(template, { Ref: 'Table1' })).toBe('updates');
    expect(resolveValue(template, { Ref: 'Machine' })).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:local-Machine');
    expect(resolveValue(template, { 'Fn::GetAtt': ['Fn1', 'Arn'] })).toBe('arn:aws:lambda:us-east-1:000000000000:function:local-Fn1');
    expect(resolveValue(template, { 'Fn::Join': ['', ['{"Resource":"', { 'Fn::GetAtt': ['Fn1', 'Arn'] }, '"}']] })).toBe('{"Resource":"arn:aws:lambda:us-east-1:000000000000:function:local-Fn1"}');
    expect(resolveValue(template, { 'Fn::Sub': 'table ${Table1} in ${AWS::Region} at ${Fn1.Arn}' })).toBe('table updates in us-east-1 at arn:aws:lambda:us-east-1:000000000000:function:local-Fn1');
    expect(resolveValue(template, { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('b');
    expect(physicalName(template, 'Doc')).toBe('cu-us-east-1');
    expect(resourceArn(template, 'Table1')).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/updates');
    expect(Object.keys(findResources(template, 'AWS::Lambda::Function'))).toEqual(['Fn1']);
  });

  it('refuses what it cannot resolve offline instead of guessing', () => {
    expect(() => resolveValue(template, { Ref: 'Nope' })).toThrow(/cannot resolve Ref Nope/);
    expect(() => resolveValue(template, { 'Fn::ImportValue': 'x' })).toThrow(/Fn::ImportValue/);
  });
});

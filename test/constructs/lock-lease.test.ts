import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ClusterUpdateStack } from '../../lib/cluster-update-stack';
import { WaitLongerThanLeaseError } from '../../lib/update-state-machine';
import { findResources, resolveValue, type CloudFormationTemplate } from '../../src/local/template';
import { testApp } from '../fixtures/test-app';

const LEASE_SECONDS = 60;
const app = testApp();
// The App a too-short lease is refused in (made here: testApp's directory is removed after the file's tests).
const refusingApp = testApp();
const stack = new ClusterUpdateStack(app, 'Lease', { leaseSeconds: LEASE_SECONDS });
const template = Template.fromStack(stack);
const json = template.toJSON() as CloudFormationTemplate;
const machineId = Object.keys(findResources(json, 'AWS::StepFunctions::StateMachine'))[0]!;
const definition = JSON.parse(String(resolveValue(json, findResources(json, 'AWS::StepFunctions::StateMachine')[machineId]!.Properties!.DefinitionString))) as { States: Record<string, Record<string, unknown>> };

function allStates(states: Record<string, Record<string, unknown>>): [string, Record<string, unknown>][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, ...((state.Branches as unknown[]) ?? [])].filter(Boolean) as { States: Record<string, Record<string, unknown>> }[];
    return [[name, state] as [string, Record<string, unknown>], ...nested.flatMap((n) => allStates(n.States))];
  });
}

describe('the lease in the stack', () => {
  const states = allStates(definition.States);

  it('no Wait state with a fixed duration is longer than a quarter of the lease', () => {
    const fixed = states.filter(([, s]) => s.Type === 'Wait' && typeof s.Seconds === 'number');
    expect(fixed.length).toBeGreaterThan(0);
    for (const [name, wait] of fixed) expect(wait.Seconds as number, name).toBeLessThanOrEqual(LEASE_SECONDS / 4);
    expect(() => new ClusterUpdateStack(refusingApp, 'TooShort', { leaseSeconds: 16 })).toThrow(WaitLongerThanLeaseError);
  });

  it('gives every task function the lease as LEASE_SECONDS', () => {
    const functions = Object.values(findResources(json, 'AWS::Lambda::Function')).filter((f) => f.Metadata?.['cluster-update:handler']);
    expect(functions.length).toBeGreaterThan(5);
    for (const fn of functions) expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.LEASE_SECONDS).toBe(String(LEASE_SECONDS));
  });

  it('every task names the run of its execution (redriveCount), so a redrive re-acquires at the first task it runs', () => {
    const tasks = states.filter(([, s]) => s.Type === 'Task');
    for (const [name, task] of tasks) {
      const payload = JSON.stringify(task.Parameters ?? {});
      if (name === 'RecordRejected') continue; // RecordRejected never held the lock
      expect(payload, name).toContain('"redriveCount.$":"$$.Execution.RedriveCount"');
    }
  });

  it('lets AcquireLock (only) DescribeExecution, on this state machine\'s executions only', () => {
    // (The state machine's own role may DescribeExecution its Distributed Map children; that is CDK's.)
    const policies = Object.values(findResources(json, 'AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties).includes('states:DescribeExecution') && JSON.stringify(p.Properties!.Roles).includes('Tasks'));
    expect(policies).toHaveLength(1);
    const [policy] = policies;
    const statement = JSON.stringify(policy!.Properties!.PolicyDocument);
    expect(statement).toContain(':execution:');
    expect(statement).toContain(`"Fn::GetAtt":["${machineId}","Name"]`);
    expect((policy!.Properties!.Roles as unknown[]).length).toBe(1);
    expect(JSON.stringify(policy!.Properties!.Roles)).toContain('AcquireLock');
  });
});

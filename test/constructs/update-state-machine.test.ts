import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ClusterUpdateStack } from '../../lib/cluster-update-stack';
import { TASKS } from '../../lib/task-functions';
import { LOCAL_HANDLER_METADATA_KEY } from '../../lib/private/local-handler';
import { findResources, resolveValue, type CloudFormationTemplate } from '../../src/local/template';
import { testApp } from '../fixtures/test-app';

const app = testApp();
const stack = new ClusterUpdateStack(app, 'Test');
const template = Template.fromStack(stack);
const json = template.toJSON() as CloudFormationTemplate;
const machine = Object.values(findResources(json, 'AWS::StepFunctions::StateMachine'))[0]!;
const definition = JSON.parse(String(resolveValue(json, machine.Properties!.DefinitionString))) as { StartAt: string; States: Record<string, Record<string, unknown>> };

/** Every state, including those inside Map processors and Parallel branches. */
function allStates(states: Record<string, Record<string, unknown>>): [string, Record<string, unknown>][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, ...((state.Branches as unknown[]) ?? [])].filter(Boolean) as { States: Record<string, Record<string, unknown>> }[];
    return [[name, state] as [string, Record<string, unknown>], ...nested.flatMap((n) => allStates(n.States))];
  });
}

describe('the update state machine', () => {
  const states = allStates(definition.States);

  it('is a Standard workflow in JSONPath with full logging and tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
    expect(JSON.stringify(definition)).not.toMatch(/JSONata|"Assign"|QueryLanguage/);
  });

  it('reads top to bottom: lock, plan, hooks, canary, hand-over, rollout, hooks, finalize', () => {
    const order: string[] = [];
    let name: string | undefined = definition.StartAt;
    while (name && !order.includes(name)) {
      order.push(name);
      const state: Record<string, unknown> = definition.States[name]!;
      name = state.Type === 'Choice' ? ((state.Choices as { Next: string }[])[0]!.Next) : (state.Next as string | undefined);
    }
    const milestones = ['AcquireLock', 'Plan', 'PreUpdateHooks', 'CanaryStart', 'HandOver', 'Rollout', 'PostUpdateHooks', 'Finalize', 'UpdateSucceeded'];
    expect(milestones.map((m) => order.indexOf(m))).toEqual([...milestones.map((m) => order.indexOf(m))].sort((a, b) => a - b));
    expect(milestones.every((m) => order.includes(m))).toBe(true);
  });

  it('runs the rollout as one task in a poll loop (platform outages and service updates scheduled together), with no Map state', () => {
    expect(definition.States.Rollout).toMatchObject({ Type: 'Task', ResultPath: '$.rollout', Next: 'RolloutCheck' });
    expect(definition.States.RolloutCheck).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.rollout.done', BooleanEquals: true, Next: 'RolloutDone' }], Default: 'RolloutPoll' });
    expect(definition.States.RolloutPoll).toMatchObject({ Type: 'Wait', Seconds: 5, Next: 'Rollout' });
    expect(states.filter(([, s]) => s.Type === 'Map' || s.Type === 'Parallel')).toEqual([]);
  });

  it('grants the state machine no Step Functions actions of its own: there are no child executions to start', () => {
    const role = JSON.stringify(machine.Properties!.RoleArn);
    const policies = Object.values(findResources(json, 'AWS::IAM::Policy')).filter((p) => role.includes(((p.Properties!.Roles as { Ref: string }[])[0]!).Ref));
    const actions = policies.flatMap((p) => (p.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap((st) => [st.Action].flat()));
    expect(actions.filter((a) => a.startsWith('states:'))).toEqual([]);
  });

  it('gives every task an explicit timeout and retries on transient errors; every top-level task is caught', () => {
    const tasks = states.filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(TASKS.length);
    for (const [name, task] of tasks) {
      expect(task.TimeoutSeconds, name).toBeGreaterThan(0);
      expect(JSON.stringify(task.Retry), name).toContain('Lambda.ServiceException');
      // A crashed or timed-out invocation (no answer of the function's own) is run again too: every task is idempotent.
      expect(JSON.stringify(task.Retry), name).toContain('"Lambda.Unknown","Sandbox.Timedout"');
    }
    for (const name of ['AcquireLock', 'Plan', 'PreUpdateHooks', 'CanaryStep', 'HandOver', 'Rollout', 'PostUpdateHooks', 'Finalize']) {
      expect(JSON.stringify(definition.States[name]!.Catch), name).toContain('States.ALL');
    }
  });

  it('has one function per task, each marked with its handler module for the local runtime', () => {
    const functions = Object.values(findResources(json, 'AWS::Lambda::Function')).filter((f) => f.Metadata?.[LOCAL_HANDLER_METADATA_KEY]);
    expect(functions.map((f) => f.Metadata![LOCAL_HANDLER_METADATA_KEY]).sort()).toEqual(TASKS.map((t) => `lambdas/${t}.ts`).sort());
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' }, Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'cluster-update' } } });
  });

  it('scopes SendCommand to the step-runner document and to instances carrying the cluster tag', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('ssm:resourceTag/cluster-update:cluster');
    expect(policies).toMatch(/document\//);
  });
});

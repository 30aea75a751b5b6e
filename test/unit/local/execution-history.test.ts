import { describe, expect, it } from 'vitest';
import { ExecutionHistory, type EventLog } from '../../../src/local/stepfunctions/execution-history';
import type { StateInfo } from '../../../src/local/stepfunctions/state-index';

/**
 * Each child execution of a DISTRIBUTED Map has its own history and its own 25,000-event quota
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html). The library runs children inline, so
 * the local history counts each child's events; a child whose count passes the limit is marked full, and the runtime
 * fails its next task with States.Runtime (local-step-functions.ts, withChildHistoryLimit).
 */
describe('ExecutionHistory: the history limit of DISTRIBUTED Map children', () => {
  const states = new Map<string, StateInfo>([
    ['Waves', { type: 'Map', invokeIntegration: false, isDistributedMap: true }],
    ['RunWave', { type: 'Task', lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:run-wave', invokeIntegration: false, distributedMap: 'Waves', isDistributedMap: false }],
  ]);
  const event = (e: Record<string, unknown>) => e as unknown as EventLog;
  const iteration = (index: number) => event({ type: 'MapIterationStarted', parentState: { name: 'Waves' }, index });
  const task = (type: 'StateEntered' | 'StateExited') => event({ type, state: { name: 'RunWave', type: 'Task', input: {} } });

  const ended = (index: number) => event({ type: 'MapIterationSucceeded', parentState: { name: 'Waves' }, index });
  const taskOf = (type: 'StateEntered' | 'StateExited', index: number) => event({ type, state: { name: 'RunWave', type: 'Task', input: {} }, index });

  it('marks a child full once its own events pass the limit, without touching the parent history; the next child starts empty', () => {
    let parentFull = false;
    const history = new ExecutionHistory(states, [], undefined, { maxEvents: 14, reached: () => (parentFull = true) });
    history.record(iteration(0)); // the child's ExecutionStarted and closing event: 2
    for (let turn = 0; turn < 2; turn += 1) {
      history.record(task('StateEntered')); // TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted
      history.record(task('StateExited')); // LambdaFunctionSucceeded, TaskStateExited: five events a task, as in the parent
    }
    expect(history.statistics().maxChildHistoryEvents).toBe(12);
    expect(history.childHistoryFull('Waves')).toBe(false);
    history.record(task('StateEntered')); // 15 > 14
    expect(history.childHistoryFull('Waves')).toBe(true);
    expect(history.statistics().maxChildHistoryEvents).toBe(14);
    history.record(ended(0));
    history.record(iteration(1));
    expect(history.childHistoryFull('Waves')).toBe(false);
    expect(parentFull).toBe(false);
    expect(history.events).toHaveLength(0);
  });

  it('counts the events of concurrent children each in its own child, by iteration index', () => {
    const history = new ExecutionHistory(states, []);
    history.record(iteration(0));
    history.record(iteration(1));
    for (let turn = 0; turn < 3; turn += 1) {
      history.record(taskOf('StateEntered', 0));
      history.record(taskOf('StateEntered', 1));
      history.record(taskOf('StateExited', 1));
      history.record(taskOf('StateExited', 0));
    }
    history.record(taskOf('StateEntered', 0));
    history.record(taskOf('StateExited', 0));
    const statistics = history.statistics();
    expect(statistics.childExecutions).toBe(2);
    expect(statistics.maxChildHistoryEvents).toBe(2 + 4 * 5);
  });
});

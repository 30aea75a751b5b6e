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

  it('marks a child full once its own events pass the limit, without touching the parent history; the next child starts empty', () => {
    let parentFull = false;
    const history = new ExecutionHistory(states, [], undefined, { maxEvents: 12, reached: () => (parentFull = true) });
    history.record(iteration(0)); // the child's ExecutionStarted and closing event: 2
    for (let turn = 0; turn < 2; turn += 1) {
      history.record(task('StateEntered')); // TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted
      history.record(task('StateExited')); // LambdaFunctionSucceeded + TaskStateExited, counted as 1 here as the runtime does
    }
    expect(history.statistics().maxChildHistoryEvents).toBe(10);
    expect(history.childHistoryFull('Waves')).toBe(false);
    history.record(task('StateEntered')); // 13 > 12
    expect(history.childHistoryFull('Waves')).toBe(true);
    expect(history.statistics().maxChildHistoryEvents).toBe(12);
    history.record(iteration(1));
    expect(history.childHistoryFull('Waves')).toBe(false);
    expect(parentFull).toBe(false);
    expect(history.events).toHaveLength(0);
  });
});

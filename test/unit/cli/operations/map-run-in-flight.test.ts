import { describe, expect, it } from 'vitest';
import { openMapRuns } from '../../../../src/cli/operations/map-run-in-flight';

/**
 * The Map Run events of GetExecutionHistory
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html): a Distributed Map state's
 * MapStateEntered, then MapRunStarted, …, MapRunSucceeded, MapStateExited. The Rollout's two branches interleave them.
 */
describe('openMapRuns: which Map Runs a redrive would replay', () => {
  let id = 0;
  const history: Parameters<typeof openMapRuns>[0][number][] = [];
  const add = (type: NonNullable<Parameters<typeof openMapRuns>[0][number]['type']>, name?: string) => {
    id += 1;
    history.push({ id, previousEventId: id - 1, type, ...(type.endsWith('Entered') ? { stateEnteredEventDetails: { name } } : type.endsWith('Exited') ? { stateExitedEventDetails: { name } } : {}) });
  };

  it('finds the waves Map Run in flight although a service level Map Run succeeded after it started', () => {
    add('MapStateEntered', 'PlatformWaves');
    add('MapRunStarted');
    add('TaskStateEntered', 'NextServiceLevel');
    add('TaskStateExited', 'NextServiceLevel');
    add('MapStateEntered', 'ServiceLevel');
    add('MapRunStarted');
    add('MapRunSucceeded');
    add('MapStateExited', 'ServiceLevel');
    expect(openMapRuns(history)).toEqual(['PlatformWaves']);
  });

  it('finds a service level in flight once the waves are done, and none once it exits', () => {
    add('MapRunSucceeded');
    add('MapStateExited', 'PlatformWaves');
    add('MapStateEntered', 'ServiceLevel');
    add('MapRunStarted');
    expect(openMapRuns(history)).toEqual(['ServiceLevel']);
    add('MapRunFailed');
    add('ExecutionAborted');
    add('ExecutionRedriven');
    add('MapRunRedriven');
    expect(openMapRuns(history)).toEqual(['ServiceLevel']);
    add('MapRunSucceeded');
    add('MapStateExited', 'ServiceLevel');
    expect(openMapRuns(history)).toEqual([]);
  });
});

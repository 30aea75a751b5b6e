import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

/**
 * Whether the execution stopped with a Distributed Map Run started and not succeeded. A redrive of the parent
 * redrives that Map Run's unsuccessful child executions with the items they started with
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html), and each child's item (a platform
 * wave, a service of a DAG level) carries the redrive count of the run that started it: the lock fences such a
 * child out as a task of the stopped run (docs/ARCHITECTURE.md, "The lock in time"), so the redrive would fail
 * safe and need a second resume. A new execution under the same update id has no such child.
 */
export async function mapRunInFlight(sfn: SFNClient, executionArn: string): Promise<boolean> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return openMapRuns(events).length > 0;
}

/**
 * The Distributed Map states whose Map Run started and that have not exited since, oldest events first. The two
 * branches of the Rollout each run Map Runs (the waves, a service level after another), so their events
 * interleave: a Map Run belongs to the Map state whose `MapStateEntered` it follows (its `previousEventId`), and
 * a Map state exits only after its Map Run succeeded. A Map Run that failed and was redriven stays open until
 * its Map state exits.
 */
export function openMapRuns(events: readonly Pick<HistoryEvent, 'id' | 'previousEventId' | 'type' | 'stateEnteredEventDetails' | 'stateExitedEventDetails'>[]): string[] {
  const enteredMap = new Map<number, string>();
  const open = new Set<string>();
  for (const event of events) {
    if (event.type === 'MapStateEntered' && event.stateEnteredEventDetails?.name) enteredMap.set(event.id!, event.stateEnteredEventDetails.name);
    else if (event.type === 'MapRunStarted') open.add(enteredMap.get(event.previousEventId!) ?? `map run at event ${event.id}`);
    else if (event.type === 'MapStateExited' && event.stateExitedEventDetails?.name) open.delete(event.stateExitedEventDetails.name);
  }
  return [...open];
}

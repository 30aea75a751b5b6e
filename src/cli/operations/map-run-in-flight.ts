import { GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';

/**
 * Whether the execution stopped with a Distributed Map Run started and not succeeded. A redrive of the parent
 * redrives that Map Run's unsuccessful child executions with the items they started with
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html), and each wave's item carries the
 * redrive count of the run that started it: the lock fences such a child out as a task of the stopped run
 * (docs/ARCHITECTURE.md, "The lock in time"), so the redrive would fail safe and need a second resume. A new
 * execution under the same update id has no such child. Reads the history newest first and stops at the
 * first Map Run event.
 */
export async function mapRunInFlight(sfn: SFNClient, executionArn: string): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000, nextToken }));
    for (const event of page.events ?? []) {
      if (event.type === 'MapRunSucceeded') return false;
      if (event.type === 'MapRunStarted' || event.type === 'MapRunFailed' || event.type === 'MapRunAborted' || event.type === 'MapRunRedriven') return true;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return false;
}

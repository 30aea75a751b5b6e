import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PLATFORM_STEPS, EXAMPLE_STEPS, smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// The small cluster with the example's platform steps and hooks: every kind of call the workflow makes, on fewer nodes.
const smallCluster = () => ({ manifest: smallManifest(EXAMPLE_STEPS), inventory: smallInventory() });

/**
 * The workflow absorbs the faults the real services produce under load:
 * SSM ThrottlingException above the SendCommand rate
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html), DynamoDB TransactionConflict on
 * transactions (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html) and
 * ProvisionedThroughputExceededException (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 */
// At the default SendCommand rate (DEFAULT_SEND_COMMAND_RATE, 5/s) the 6-node example never sent fast enough to be
// throttled (measured: 0 throttles). At 2/s this small cluster's peak is over the rate, so throttling is met and must be
// absorbed (measured: 24 throttles, 24 s; at 1/s, 65 throttles and 64 s).
const SEND_COMMAND_RATE = 2;
// Each DynamoDB call is throttled with the fraction's chance: at 2 % the small cluster met 3–8 throttles, so a run with
// none (the test failing) would come about once in 150 (e^-5); at 5 %, about once in 250,000 (e^-12.5).
describe('a full update while SSM throttles and DynamoDB conflicts and throttles', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ ...smallCluster(), serviceFaults: { sendCommandRate: SEND_COMMAND_RATE, transactionConflictFraction: 0.1, throughputExceededFraction: 0.05 } });
  });
  afterAll(async () => harness?.stop());

  it('succeeds, every node and service at the new release, having met every kind of fault', async () => {
    const started = await harness.start();
    const execution = await harness.finished(started.executionArn);
    const produced = harness.runtime.serviceFaults.produced;
    console.log(`absorbed: ${JSON.stringify(produced)}`);
    expect(execution.status, await harness.explain(started.updateId, execution)).toBe('SUCCEEDED');
    const nodes = await harness.fleet.status();
    expect(nodes.map((n) => n.release)).toEqual(nodes.map(() => '7.2.0'));
    expect(nodes.flatMap((n) => n.services).every((s) => s.release === '7.2.0' && s.healthy)).toBe(true);
    expect((await harness.locks.get(harness.manifest.cluster))!.state).toBe('FREE');
    expect(produced.dynamodbTransactionConflicts).toBeGreaterThan(0);
    expect(produced.dynamodbThroughputExceeded).toBeGreaterThan(0);
    expect(produced.ssmThrottled).toBeGreaterThan(0);
    for (const node of nodes) for (const step of EXAMPLE_PLATFORM_STEPS) expect(harness.count('platform-install', step, node.id), `${step} on ${node.id}`).toBe(1);
  }, 300_000);
});

/**
 * Lambda throttles an invocation it has no concurrency or rate for before the function runs
 * (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html), and Step Functions reports the task's
 * error as `Lambda.TooManyRequestsException` (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html),
 * which every task's Retry lists (lib/state-machine/task-states.ts, TRANSIENT_ERRORS).
 */
describe('a full update while Lambda throttles a fifth of the task invocations', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ ...smallCluster(), serviceFaults: { lambdaThrottleFraction: 0.2 } });
  });
  afterAll(async () => harness?.stop());

  it('succeeds; the history shows LambdaFunctionFailed with Lambda.TooManyRequestsException, each followed by a retry', async () => {
    const started = await harness.start();
    const execution = await harness.finished(started.executionArn);
    expect(execution.status, await harness.explain(started.updateId, execution)).toBe('SUCCEEDED');
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await harness.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1000, nextToken }));
      events.push(...page.events!);
      nextToken = page.nextToken;
    } while (nextToken);
    const throttled = events.flatMap((event, index) => (event.type === 'LambdaFunctionFailed' && event.lambdaFunctionFailedEventDetails?.error === 'Lambda.TooManyRequestsException' ? [index] : []));
    expect(throttled.length).toBeGreaterThan(0);
    // The retry schedules the same function again (TaskStateEntered is not repeated: the state was never left).
    for (const index of throttled) expect(events[index + 1]?.type, `event ${index + 2}`).toBe('LambdaFunctionScheduled');
    expect(harness.runtime.serviceFaults.produced.lambdaThrottled).toBeGreaterThanOrEqual(throttled.length);
    const nodes = await harness.fleet.status();
    expect(nodes.map((n) => n.release)).toEqual(nodes.map(() => '7.2.0'));
    expect((await harness.locks.get(harness.manifest.cluster))!.state).toBe('FREE');
  }, 300_000);
});

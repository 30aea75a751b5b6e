import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** Transient errors every task retries with backoff (Lambda service hiccups, throttling). */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'TransactionConflictException',
];

/**
 * An invocation that ended without an answer of the function's own: the runtime crashed or was killed
 * (`Lambda.Unknown`, e.g. out of memory) or the function timeout ended it (`Sandbox.Timedout`)
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). Every task is idempotent,
 * so running it again is safe; fewer attempts than the transient errors, since a crash that repeats is a defect
 * for RecordFailure to report, and a timeout costs a whole function timeout per attempt.
 */
export const INVOCATION_LOST_ERRORS = ['Lambda.Unknown', 'Sandbox.Timedout'];

/**
 * The identity every task after AcquireLock gets. `redriveCount` says which run of the execution the
 * invocation belongs to: the task handler lets a newer run (a redrive)
 * re-acquire the lock the older one parked, and fences the older one out.
 * It is read from the context object when the state is entered, so a redrive
 * that restarts at any state (on AWS it restarts at the interrupted one, with
 * the old `$.lock.fence` in its state) re-acquires at the first task it runs.
 */
export const TASK_IDENTITY = {
  'updateId.$': '$.updateId',
  'cluster.$': '$.cluster',
  'owner.$': '$.lock.owner',
  'fence.$': '$.lock.fence',
  'redriveCount.$': '$$.Execution.RedriveCount',
} as const;

export interface TaskStateProps {
  readonly fn: IFunction;
  /** @default the state's whole input */
  readonly payload?: sfn.TaskInput;
  readonly resultPath?: string;
}

/** A Lambda task with an explicit timeout (the local runtime's default is 60 s) and retries on transient errors. */
export function taskState(scope: Construct, id: string, props: TaskStateProps): LambdaInvoke {
  const task = new LambdaInvoke(scope, id, {
    lambdaFunction: props.fn,
    payload: props.payload,
    payloadResponseOnly: true,
    resultPath: props.resultPath,
    taskTimeout: sfn.Timeout.duration(Duration.minutes(6)),
    retryOnServiceExceptions: false,
  });
  task.addRetry({ errors: TRANSIENT_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
  task.addRetry({ errors: INVOCATION_LOST_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 2 });
  return task;
}

/**
 * The polling pattern of every long-running step: the task works for up to
 * its poll budget and returns `{ done }` at `donePath`; until done, a Wait and
 * the same task again. Few history events per step, however long it runs.
 */
export function pollLoop(scope: Construct, id: string, task: sfn.TaskStateBase, donePath: string, pollSeconds: number): sfn.Chain {
  const wait = new sfn.Wait(scope, `${id}Poll`, { time: sfn.WaitTime.duration(Duration.seconds(pollSeconds)) });
  const done = new sfn.Pass(scope, `${id}Done`);
  const check = new sfn.Choice(scope, `${id}Check`).when(sfn.Condition.booleanEquals(donePath, true), done).otherwise(wait.next(task));
  return sfn.Chain.custom(task, [done], task.next(check));
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { pollLoop, TASK_IDENTITY, taskState } from './state-machine/task-states';
import type { TaskFunctions } from './task-functions';

export interface UpdateStateMachineProps {
  readonly functions: TaskFunctions;
  /** Seconds between polls of a running step. @default 5 */
  readonly pollSeconds?: number;
  /** The lock lease the task functions renew; no fixed Wait may exceed a quarter of it. @default 1800 */
  readonly leaseSeconds?: number;
}

/** A fixed Wait longer than a quarter of the lease would let the lease run out between two invocations. */
export class WaitLongerThanLeaseError extends Error {
  public constructor(waitSeconds: number, leaseSeconds: number) {
    super(`a ${waitSeconds} s Wait is longer than a quarter of the ${leaseSeconds} s lock lease; shorten pollSeconds or lengthen leaseSeconds`);
    this.name = 'WaitLongerThanLeaseError';
  }
}

/**
 * The update workflow (DESIGN §4), a Standard state machine in JSONPath:
 *
 *   AcquireLock → Plan → PreUpdate hooks → Canary → HandOver
 *     → Rollout (platform outages and service updates, scheduled together; a poll loop)
 *     → PostUpdate hooks → Finalize
 *
 * Any failure goes to RecordFailure (update FAILED, lock parked) and ends the
 * execution FAILED with the task's error, so `resume` (RedriveExecution) can
 * finish the job; the checkpoints make finished work a no-op.
 */
export class UpdateStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  public constructor(scope: Construct, id: string, props: UpdateStateMachineProps) {
    super(scope, id);
    const fn = props.functions.functions;
    const poll = props.pollSeconds ?? 5;
    const lease = props.leaseSeconds ?? 1800;
    if (poll > lease / 4) throw new WaitLongerThanLeaseError(poll, lease);
    const identity = (extra: Record<string, unknown> = {}) => sfn.TaskInput.fromObject({ ...TASK_IDENTITY, ...extra });

    // Failure path.
    const failed = new sfn.Fail(this, 'UpdateFailed', { errorPath: '$.failure.error', causePath: '$.failure.cause' });
    const recordFailure = taskState(this, 'RecordFailure', {
      fn: fn['record-outcome'],
      payload: sfn.TaskInput.fromObject({ ...TASK_IDENTITY, 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' }),
      resultPath: '$.failure',
    }).next(failed);
    const recordRejected = taskState(this, 'RecordRejected', {
      fn: fn['record-outcome'],
      payload: sfn.TaskInput.fromObject({ 'updateId.$': '$.updateId', 'cluster.$': '$.cluster', 'executionArn.$': '$$.Execution.Id', 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' }),
      resultPath: '$.failure',
    }).next(failed);
    const onFailure = (state: sfn.TaskStateBase | sfn.Parallel, handler: sfn.IChainable = recordFailure) => state.addCatch(handler, { errors: ['States.ALL'], resultPath: '$.error' });

    // AcquireLock, Plan.
    const acquireLock = taskState(this, 'AcquireLock', {
      fn: fn['acquire-lock'],
      payload: sfn.TaskInput.fromObject({ 'updateId.$': '$.updateId', 'cluster.$': '$.cluster', 'executionArn.$': '$$.Execution.Id', 'redriveCount.$': '$$.Execution.RedriveCount' }),
      resultPath: '$.lock',
    });
    onFailure(acquireLock, recordRejected);
    const plan = taskState(this, 'Plan', { fn: fn['plan-update'], payload: identity(), resultPath: '$.plan' });
    onFailure(plan);

    // Hooks.
    const hooks = (name: string, hookPhase: 'pre' | 'post') => {
      const task = taskState(this, name, { fn: fn['run-hooks'], payload: identity({ hookPhase }), resultPath: '$.hooks' });
      onFailure(task);
      return pollLoop(this, name, task, '$.hooks.done', poll);
    };

    // Canary: a cursor over its steps. The watch (after rejoin, while the canary serves) is a checkpoint the
    // task counts down in ticks of at most min(poll, lease/4), each a CanaryWatch Wait: no Wait outlives the lease.
    const canaryInit = new sfn.Pass(this, 'CanaryStart', { result: sfn.Result.fromObject({ cursor: 0, done: false, waitSeconds: 0 }), resultPath: '$.canary' });
    const canaryStep = taskState(this, 'CanaryStep', { fn: fn['canary-step'], payload: identity({ 'cursor.$': '$.canary.cursor', pollSeconds: poll }), resultPath: '$.canary' });
    onFailure(canaryStep);
    const canaryWatch = new sfn.Wait(this, 'CanaryWatch', { time: sfn.WaitTime.secondsPath('$.canary.waitSeconds') });
    const canaryPoll = new sfn.Wait(this, 'CanaryPoll', { time: sfn.WaitTime.duration(Duration.seconds(poll)) });
    const canaryDone = new sfn.Pass(this, 'CanaryPassed');
    const canary = sfn.Chain.custom(canaryInit, [canaryDone], canaryInit.next(canaryStep).next(
      new sfn.Choice(this, 'CanaryCheck')
        .when(sfn.Condition.booleanEquals('$.canary.done', true), canaryDone)
        .when(sfn.Condition.numberGreaterThan('$.canary.waitSeconds', 0), canaryWatch.next(canaryStep))
        .otherwise(canaryPoll.next(canaryStep)),
    ));

    // HandOver: the canary owns the update (the record pins its document version and agent release); the fence advances.
    const handOver = taskState(this, 'HandOver', { fn: fn['hand-over'], payload: identity(), resultPath: '$.lock' });
    onFailure(handOver);

    // Rollout: one task in a poll loop schedules platform outages and service updates together (run-rollout.ts);
    // each invocation works for up to its poll budget, so the history grows by a few events per poll budget,
    // whatever the number of nodes and services.
    const runRollout = taskState(this, 'Rollout', { fn: fn['run-rollout'], payload: identity(), resultPath: '$.rollout' });
    onFailure(runRollout);
    const rollout = pollLoop(this, 'Rollout', runRollout, '$.rollout.done', poll);

    const finalize = taskState(this, 'Finalize', { fn: fn.finalize, payload: identity(), resultPath: '$.final' });
    onFailure(finalize);

    const definition = acquireLock
      .next(plan)
      .next(hooks('PreUpdateHooks', 'pre'))
      .next(canary)
      .next(handOver)
      .next(rollout)
      .next(hooks('PostUpdateHooks', 'post'))
      .next(finalize)
      .next(new sfn.Succeed(this, 'UpdateSucceeded'));

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'ExecutionLogs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
  }
}

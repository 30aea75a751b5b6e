import { StateMachine } from 'aws-local-stepfunctions';
import { ExecutionHistory, historyLimitCause, type EventLog } from './execution-history';
import type { ExecutionJournal, JournaledExecution } from './execution-journal';
import type { StateInfo } from './state-index';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface LocalExecutionProps {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly definition: Record<string, unknown>;
  readonly states: ReadonlyMap<string, StateInfo>;
  readonly input: string;
  readonly taskHandlers: Record<string, (input: unknown) => Promise<unknown>>;
  readonly waitOverrides: Record<string, number>;
  readonly retryOverrides: Record<string, number>;
  /** Where the execution is kept so it survives a crash of the runtime. @default memory only */
  readonly journal?: ExecutionJournal;
  /** What an earlier run of the runtime journaled about this execution. */
  readonly restored?: JournaledExecution;
  /** The history event limit of the execution and of each of its child executions. @default 25,000 (MAX_HISTORY_EVENTS) */
  readonly maxHistoryEvents?: number;
}

/**
 * One execution on the local runtime. A redrive reruns the whole definition
 * under the same ARN with the same input (AWS resumes at the failed states);
 * the workflow's checkpoints make finished work a no-op either way.
 */
export class LocalExecution {
  public status: ExecutionStatus = 'RUNNING';
  public readonly startDate: Date;
  public stopDate?: Date;
  public output?: string;
  public error?: string;
  public cause?: string;
  public redriveCount = 0;
  public redriveDate?: Date;
  /** Re-runs from the input after a crash of the runtime (the local stand-in for continuing mid-state). */
  public restarts = 0;
  public readonly history: ExecutionHistory;
  private abortRun?: () => void;
  private done: Promise<void> = Promise.resolve();

  public constructor(public readonly props: LocalExecutionProps) {
    const restored = props.restored;
    this.startDate = restored ? new Date(restored.startDate) : new Date();
    if (restored) {
      this.status = restored.status;
      this.stopDate = restored.stopDate ? new Date(restored.stopDate) : undefined;
      this.output = restored.output;
      this.error = restored.error;
      this.cause = restored.cause;
      this.redriveCount = restored.redriveCount;
      this.redriveDate = restored.redriveDate ? new Date(restored.redriveDate) : undefined;
      this.restarts = restored.restarts;
    }
    this.history = new ExecutionHistory(props.states, restored?.events, props.journal ? (event) => props.journal!.appendEvent(props.arn, event) : undefined, {
      maxEvents: props.maxHistoryEvents,
      // A full history fails the execution whatever its Retry and Catch say, as on AWS.
      reached: () => this.failTerminally('States.Runtime', historyLimitCause(this.history.maxEvents)),
    });
  }

  /**
   * After a crash of the runtime: an execution that was RUNNING runs again
   * from its input under the same ARN (the library cannot start mid-state);
   * the workflow's checkpoints make the work already done a no-op.
   */
  public continueAfterCrash(): void {
    this.restarts += 1;
    this.start();
  }

  public get finished(): Promise<void> {
    return this.done;
  }

  public start(): void {
    this.status = 'RUNNING';
    this.stopDate = undefined;
    this.error = undefined;
    this.cause = undefined;
    this.output = undefined;
    this.journal();
    const machine = new StateMachine(this.props.definition as unknown as ConstructorParameters<typeof StateMachine>[0], {
      validationOptions: { checkPaths: false, checkArn: false, noValidate: true },
    });
    const input = JSON.parse(this.props.input) as Parameters<StateMachine['run']>[0];
    const run = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: this.props.taskHandlers as NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers'],
        waitTimeOverrides: this.props.waitOverrides,
        retryIntervalOverrides: this.props.retryOverrides,
      },
      context: {
        Execution: {
          Id: this.props.arn,
          Name: this.props.name,
          Input: input,
          StartTime: this.startDate.toISOString(),
          RoleArn: 'arn:aws:iam::000000000000:role/local',
          RedriveCount: this.redriveCount,
        },
        StateMachine: { Id: this.props.stateMachineArn, Name: this.props.stateMachineName },
      } as never,
    });
    this.abortRun = run.abort;
    const consume = (async () => {
      for await (const event of run.eventLogs) this.history.record(event as EventLog);
    })();
    this.done = run.result.then(
      async (output) => {
        await consume.catch(() => undefined);
        if (this.status !== 'RUNNING') return;
        this.output = JSON.stringify(output ?? null);
        this.finish('SUCCEEDED');
      },
      async (error: Error & { cause?: unknown }) => {
        await consume.catch(() => undefined);
        if (this.status !== 'RUNNING') return;
        const name = error.name;
        if (name === 'ExecutionAbortedError') return this.finish('ABORTED');
        if (name === 'ExecutionTimeoutError') return this.finish('TIMED_OUT', 'States.Timeout', error.message);
        // The library wraps the failure: the state's error and cause are on its `cause`.
        const inner = (error as { cause?: { name?: string; message?: string } }).cause;
        this.finish('FAILED', inner?.name ?? name, inner?.message ?? error.message);
      },
    );
  }

  public stop(error?: string, cause?: string): void {
    if (this.status !== 'RUNNING') return;
    this.finish('ABORTED', error, cause);
    this.history.add('ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
    this.abortRun?.();
  }

  /**
   * A terminal failure no Catch can handle (States.DataLimitExceeded, States.Runtime — a full history among them): the execution fails at
   * once with that error, as on AWS, whatever the definition's Retry and Catch say.
   */
  public failTerminally(error: string, cause: string): void {
    if (this.status !== 'RUNNING') return;
    this.finish('FAILED', error, cause);
    this.history.add('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
    this.abortRun?.();
  }

  public redrive(): void {
    this.redriveCount += 1;
    this.redriveDate = new Date();
    this.history.add('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: this.redriveCount } });
    this.start();
  }

  private finish(status: ExecutionStatus, error?: string, cause?: string): void {
    this.status = status;
    this.stopDate = new Date();
    this.error = error;
    this.cause = cause;
    this.journal();
  }

  private journal(): void {
    this.props.journal?.save({
      arn: this.props.arn, name: this.props.name, stateMachineArn: this.props.stateMachineArn, input: this.props.input,
      status: this.status, startDate: this.startDate.toISOString(), stopDate: this.stopDate?.toISOString(), output: this.output,
      error: this.error, cause: this.cause, redriveCount: this.redriveCount, redriveDate: this.redriveDate?.toISOString(), restarts: this.restarts,
    });
  }
}

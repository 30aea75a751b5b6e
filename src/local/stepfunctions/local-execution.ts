import { StateMachine } from 'aws-local-stepfunctions';
import { ExecutionHistory, historyLimitCause, type EventLog } from './execution-history';
import type { ExecutionJournal, JournaledExecution } from './execution-journal';
import { isLocalStructure, isScaffold, type ScopeDefinition, type StatePlace } from './definition-layout';
import type { MapRunFailures } from './distributed-map-failure';
import { redriveDefinition, type RedriveDefinition } from './redrive-definition';
import { RunTrace } from './run-trace';
import type { StateInfo } from './state-index';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface LocalExecutionProps {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly definition: ScopeDefinition;
  readonly states: ReadonlyMap<string, StateInfo>;
  /** Where each state of the definition sits (scopes), for the redrive trace. */
  readonly places: ReadonlyMap<string, StatePlace>;
  /** The failed Map Runs of this execution's current run (the local stand-in for a Map Run's failure). */
  readonly mapRuns: MapRunFailures;
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
 * One execution on the local runtime. A redrive continues where the execution
 * stopped, as on AWS: the states that did not finish (in every scope: the top,
 * each Parallel branch, each Map iteration) run again with the input they had;
 * what succeeded keeps its output (see RunTrace and redriveDefinition).
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
  /** Where each scope of the current (or last) run stands; what a redrive continues from. */
  public trace: RunTrace;
  private run = 0;
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
    this.trace = new RunTrace(props.places, restored?.trace);
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

  /** Runs the definition from its start, or (a redrive) the definition that continues where the last run stopped. */
  public start(redrive?: RedriveDefinition): void {
    const run = ++this.run;
    if (!redrive) this.trace = new RunTrace(this.props.places);
    this.props.mapRuns.reset();
    const aliases = redrive?.aliases ?? {};
    this.status = 'RUNNING';
    this.stopDate = undefined;
    this.error = undefined;
    this.cause = undefined;
    this.output = undefined;
    this.journal();
    const machine = new StateMachine((redrive?.definition ?? this.props.definition) as unknown as ConstructorParameters<typeof StateMachine>[0], {
      validationOptions: { checkPaths: false, checkArn: false, noValidate: true },
    });
    const input = JSON.parse(this.props.input) as Parameters<StateMachine['run']>[0];
    const execution = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: this.props.taskHandlers as NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers'],
        waitTimeOverrides: this.props.waitOverrides,
        retryIntervalOverrides: withAliases(this.props.retryOverrides, aliases),
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
    this.abortRun = execution.abort;
    const consume = (async () => {
      for await (const raw of execution.eventLogs) {
        if (run !== this.run) continue; // a late event of a run that a redrive or a restart replaced
        const event = renamed(raw as EventLog, aliases);
        if (!event) continue;
        const name = stateName(event);
        // A redrive records ExecutionRedriven, not a second ExecutionStarted.
        if (event.type !== 'ExecutionStarted' || !redrive) {
          if (!name || !isLocalStructure(name)) this.history.record(event);
        }
        this.trace.record(event as never, { reentry: isCopy(raw as EventLog, aliases) });
      }
      // Stopped while the library was still handing over events: journal the trace as it ended up.
      if (run === this.run && this.status !== 'RUNNING') this.journal();
    })();
    this.done = execution.result.then(
      async (output) => {
        await consume.catch(() => undefined);
        if (this.status !== 'RUNNING' || run !== this.run) return;
        this.output = JSON.stringify(output ?? null);
        this.finish('SUCCEEDED');
      },
      async (error: Error & { cause?: unknown }) => {
        await consume.catch(() => undefined);
        if (this.status !== 'RUNNING' || run !== this.run) return;
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

  /**
   * Continues the execution where it stopped (a trace from before this
   * feature, or none, reruns it from its input).
   */
  public redrive(): void {
    this.redriveCount += 1;
    this.redriveDate = new Date();
    this.history.add('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: this.redriveCount } });
    this.start(redriveDefinition(this.props.definition, this.trace));
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
      trace: this.status === 'RUNNING' ? undefined : this.trace.snapshot(),
    });
  }
}

type StateEvent = Extract<EventLog, { state: unknown }>;
type NestedEvent = Extract<EventLog, { parentState: unknown }>;

function stateName(event: EventLog): string | undefined {
  if ('state' in event) return (event as StateEvent).state.name;
  if ('parentState' in event) return (event as NestedEvent).parentState.name;
  return undefined;
}

/**
 * The event as the definition names it: a redrive's copy of a composite state
 * under the original name; undefined for the redrive's own steering states,
 * which AWS does not have.
 */
function renamed(event: EventLog, aliases: Readonly<Record<string, string>>): EventLog | undefined {
  const name = stateName(event);
  if (name === undefined) return event;
  if (isScaffold(name) && !(name in aliases)) return undefined;
  const original = aliases[name];
  if (!original) return event;
  if ('state' in event) return { ...event, state: { ...(event as StateEvent).state, name: original } } as EventLog;
  return { ...event, parentState: { ...(event as NestedEvent).parentState, name: original } } as EventLog;
}

function isCopy(event: EventLog, aliases: Readonly<Record<string, string>>): boolean {
  const name = stateName(event);
  return name !== undefined && name in aliases;
}

function withAliases(overrides: Record<string, number>, aliases: Readonly<Record<string, string>>): Record<string, number> {
  const all = { ...overrides };
  for (const [copy, original] of Object.entries(aliases)) if (original in overrides) all[copy] = overrides[original]!;
  return all;
}

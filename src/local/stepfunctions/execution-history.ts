import type { StateMachine } from 'aws-local-stepfunctions';

/** The library's event type (not exported by name). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
import type { StateInfo } from './state-index';

/** One event of GetExecutionHistory, shaped as the real API returns it. */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** How big an execution is, as AWS would count it. */
export interface ExecutionStatistics {
  /** Events in the parent execution's own history (limit 25,000). */
  readonly historyEvents: number;
  /** Child executions started by DISTRIBUTED Map iterations. */
  readonly childExecutions: number;
  readonly maxChildHistoryEvents: number;
  /** Per DISTRIBUTED Map: how many child executions it started and the largest child's events. */
  readonly childrenByMap: Readonly<Record<string, { readonly childExecutions: number; readonly maxChildHistoryEvents: number }>>;
  /** Every state entered, parent and children: what Standard workflows bill. */
  readonly stateTransitions: number;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);

/**
 * A Standard execution holds at most 25,000 history events: when it has
 * 24,999, event 25,000 may only be ExecutionSucceeded; anything else makes it
 * ExecutionFailed (`States.Runtime`, "The execution reached the maximum number
 * of history events (25000).") and the execution fails. Each child execution
 * of a DISTRIBUTED Map has its own 25,000.
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html
 */
export const MAX_HISTORY_EVENTS = 25_000;

/** What the execution does when its history is full (the event that would not fit is not recorded). */
export interface HistoryLimit {
  /** @default MAX_HISTORY_EVENTS */
  readonly maxEvents?: number;
  /** The execution's own history is full: it must fail now (its ExecutionFailed is the last event that fits). */
  readonly reached?: () => void;
}

/** The cause Step Functions gives a history that reached the limit. */
export function historyLimitCause(maxEvents: number): string {
  return `The execution reached the maximum number of history events (${maxEvents}).`;
}

const CLOSING_EVENTS: ReadonlySet<string> = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/**
 * Turns the library's event log into AWS-shaped history events. A Lambda task
 * gives the same five events AWS records (TaskStateEntered, LambdaFunction-
 * Scheduled/Started/Succeeded, TaskStateExited); events inside a DISTRIBUTED
 * Map iteration are counted in that iteration's child execution, as on AWS,
 * where the parent only records the map run.
 */
export class ExecutionHistory {
  public readonly events: HistoryEvent[] = [];
  private transitions = 0;
  private readonly children: number[] = [];
  /** The DISTRIBUTED Map each child belongs to (same index as `children`). */
  private readonly childMaps: string[] = [];
  /** The running children of each DISTRIBUTED Map: iteration index → child (the library tags each event with its iteration's index). */
  private readonly runningChildren = new Map<string, Map<number, number>>();
  /** The child most recently started per Map, for an event without an index. */
  private readonly lastChild = new Map<string, number>();
  /** Children whose history is full: they fail at their next task (see childHistoryFull). */
  private readonly fullChildren = new Set<number>();
  public readonly maxEvents: number;

  /**
   * `restored`: the events an earlier run of the runtime recorded (after a
   * crash); `onEvent` is told every new event (the journal writes it to disk).
   */
  public constructor(
    private readonly states: ReadonlyMap<string, StateInfo>,
    restored: readonly HistoryEvent[] = [],
    private readonly onEvent?: (event: HistoryEvent) => void,
    private readonly limit: HistoryLimit = {},
  ) {
    this.events.push(...restored);
    this.maxEvents = limit.maxEvents ?? MAX_HISTORY_EVENTS;
  }

  /** Redrive needs room for more: an execution with maxEvents − 1 events or more is not redrivable. */
  public get full(): boolean {
    return this.events.length >= this.maxEvents - 1;
  }

  public add(type: string, details?: Record<string, unknown>): void {
    if (this.events.length >= this.maxEvents) return; // full: nothing more is recorded
    if (this.events.length === this.maxEvents - 1 && !CLOSING_EVENTS.has(type)) {
      // The last event that fits must close the execution; `reached` fails it, which records ExecutionFailed.
      this.limit.reached?.();
      return;
    }
    const id = this.events.length + 1;
    const event = { id, previousEventId: id - 1, timestamp: Date.now() / 1000, type, ...details };
    this.events.push(event);
    this.onEvent?.(event);
  }

  public statistics(): ExecutionStatistics {
    return {
      historyEvents: this.events.length,
      childExecutions: this.children.length,
      maxChildHistoryEvents: Math.max(0, ...this.children),
      childrenByMap: this.byMap(),
      stateTransitions: this.transitions,
    };
  }

  private byMap(): Record<string, { childExecutions: number; maxChildHistoryEvents: number }> {
    const out: Record<string, { childExecutions: number; maxChildHistoryEvents: number }> = {};
    this.childMaps.forEach((map, i) => {
      const entry = (out[map] ??= { childExecutions: 0, maxChildHistoryEvents: 0 });
      entry.childExecutions += 1;
      entry.maxChildHistoryEvents = Math.max(entry.maxChildHistoryEvents, this.children[i]!);
    });
    return out;
  }

  public record(event: EventLog): void {
    switch (event.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        return this.recordExecution(event);
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const map = event.parentState.name;
        if (this.states.get(map)?.isDistributedMap) {
          const running = this.runningChildren.get(map) ?? new Map<number, number>();
          this.runningChildren.set(map, running);
          if (event.type === 'MapIterationStarted') {
            running.set(event.index, this.children.length);
            this.lastChild.set(map, this.children.length);
            this.children.push(2); // the child's ExecutionStarted and its closing event
            this.childMaps.push(map);
          } else {
            running.delete(event.index);
          }
          return;
        }
        if (this.insideDistributed(map)) return this.countChild(this.states.get(map)!.distributedMap!, event.index);
        return this.add(event.type, { [`${lower(event.type)}EventDetails`]: { name: map, index: event.index } });
      }
      case 'StateEntered':
      case 'StateExited':
      case 'StateFailed':
      case 'StateRetried':
        return this.recordState(event);
      default:
        return undefined;
    }
  }

  private recordExecution(event: EventLog): void {
    if (event.type === 'ExecutionStarted') this.add('ExecutionStarted', { executionStartedEventDetails: { input: json(event.input), roleArn: 'arn:aws:iam::000000000000:role/local' } });
    else if (event.type === 'ExecutionSucceeded') this.add('ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output) } });
    else if (event.type === 'ExecutionFailed') this.add('ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause: String(event.Cause ?? '') } });
    else if (event.type === 'ExecutionAborted') this.add('ExecutionAborted', { executionAbortedEventDetails: {} });
    else this.add('ExecutionTimedOut', { executionTimedOutEventDetails: {} });
  }

  private recordState(event: Extract<EventLog, { state: unknown }>): void {
    const { name, type } = event.state;
    const info = this.states.get(name);
    if (event.type === 'StateEntered') this.transitions += 1;
    if (this.insideDistributed(name)) return this.countChild(info!.distributedMap!, event.index, childEvents(event.type, info!));
    const lambda = info?.lambdaArn;
    if (event.type === 'StateEntered') {
      this.add(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: json(event.state.input) } });
      if (lambda) this.scheduleLambda(lambda, event.state.input);
      if (info?.isDistributedMap) this.add('MapRunStarted', { mapRunStartedEventDetails: { mapRunArn: `${name}/local` } });
    } else if (event.type === 'StateExited') {
      if (lambda) this.add('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(event.state.output) } });
      if (info?.isDistributedMap) this.add('MapRunSucceeded', {});
      if (type !== 'Fail') this.add(`${type}StateExited`, { stateExitedEventDetails: { name, output: json(event.state.output) } });
    } else if (event.type === 'StateFailed') {
      const failed = event as Extract<EventLog, { type: 'StateFailed' }>;
      if (lambda) this.add('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error: failed.Error, cause: String(failed.Cause ?? '') } });
      if (info?.isDistributedMap) this.add('MapRunFailed', { mapRunFailedEventDetails: { error: failed.Error, cause: String(failed.Cause ?? '') } });
    } else if (lambda) {
      this.scheduleLambda(lambda, event.state.input); // a retry schedules the function again
    }
  }

  private scheduleLambda(resource: string, input: unknown): void {
    this.add('LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource, input: json(input) } });
    this.add('LambdaFunctionStarted', {});
  }

  private insideDistributed(stateName: string): boolean {
    return this.states.get(stateName)?.distributedMap !== undefined;
  }

  /**
   * Whether a running child execution of the DISTRIBUTED Map `map` has a full
   * history. The library runs children inline, so a child cannot be failed at
   * the event itself: it fails at its next task invocation instead (the local
   * runtime throws `States.Runtime` there), which fails the Map as a failed
   * child does on AWS. A task invocation does not say which iteration it
   * belongs to, so with `MaxConcurrency` above 1 the next task of any running
   * child of that Map fails: the Map Run fails all the same (no tolerated failures).
   */
  public childHistoryFull(map: string): boolean {
    for (const child of this.runningChildren.get(map)?.values() ?? []) if (this.fullChildren.has(child)) return true;
    return false;
  }

  /** Counts events of the child execution running iteration `index` of `map` (undefined: the one started last). */
  private countChild(map: string, index: number | undefined, events = 1): void {
    const child = (index === undefined ? undefined : this.runningChildren.get(map)?.get(index)) ?? this.lastChild.get(map);
    if (child === undefined) return;
    // The count already holds the child's closing event (see MapIterationStarted).
    const count = this.children[child]! + events;
    if (count > this.maxEvents) this.fullChildren.add(child);
    this.children[child] = Math.min(count, this.maxEvents);
  }
}

/** How many history events a state event of a child execution makes: the same the parent records for it (recordState). */
function childEvents(type: string, info: StateInfo): number {
  const lambda = info.lambdaArn ? 1 : 0;
  const mapRun = info.isDistributedMap ? 1 : 0;
  if (type === 'StateEntered') return 1 + 2 * lambda + mapRun;
  if (type === 'StateExited') return lambda + mapRun + (info.type === 'Fail' ? 0 : 1);
  if (type === 'StateFailed') return lambda + mapRun;
  return 2 * lambda; // StateRetried: the function is scheduled again
}

function lower(type: string): string {
  return type.charAt(0).toLowerCase() + type.slice(1);
}

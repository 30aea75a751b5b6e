import { AwsServiceError, startAwsJsonServer } from '../http/aws-json-server';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local-credentials';
import { findResources, resolveValue, resourceArn, type CloudFormationTemplate } from '../template';
import { layoutOf, type ScopeDefinition, type StatePlace } from './definition-layout';
import { MapRunFailures, withDistributedMapFailures } from './distributed-map-failure';
import { ExecutionJournal } from './execution-journal';
import { loadHandler, localFunctions } from './lambda-handlers';
import { LocalExecution, type ExecutionStatus } from './local-execution';
import { installPromiseWithResolvers } from './promise-with-resolvers';
import { indexStates, type StateInfo } from './state-index';
import { historyLimitCause, type ExecutionStatistics } from './execution-history';
import type { JournaledExecution } from './execution-journal';

export interface LocalStepFunctionsProps {
  /** The synthesized CloudFormation template of the stack. */
  readonly template: CloudFormationTemplate;
  /** Handler metadata paths are relative to this directory. */
  readonly repoRoot: string;
  /** Extra environment for the handlers (endpoints, credentials, fault points). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Multiplies every Wait state's time. @default 1 */
  readonly waitScale?: number;
  /** Multiplies every Retry pause. @default 1 */
  readonly retryScale?: number;
  /**
   * Keep executions here, so they survive a crash of this process: on start,
   * executions journaled as RUNNING run again from their input. @default memory only
   */
  readonly executionsDirectory?: string;
  /**
   * The history event limit of every execution and of each DISTRIBUTED Map
   * child execution (tests set a small one). @default 25,000, as on AWS
   */
  readonly maxHistoryEvents?: number;
  /**
   * Asked before every Lambda task invocation: true makes Lambda throttle it
   * (`Lambda.TooManyRequestsException`, the handler does not run). @default never
   */
  readonly throttleLambda?: () => boolean;
}

interface LocalStateMachine {
  readonly arn: string;
  readonly name: string;
  /** What runs: the template's definition with the local stand-ins for AWS behaviour the library lacks. */
  readonly definition: ScopeDefinition;
  /** The template's definition, as DescribeStateMachine returns it. */
  readonly definitionString: string;
  readonly states: ReadonlyMap<string, StateInfo>;
  readonly places: ReadonlyMap<string, StatePlace>;
  readonly createdAt: Date;
}

/** Two functions set one environment variable to different values; in one process they cannot both hold. */
export class ConflictingHandlerEnvironmentError extends Error {
  public constructor(variable: string) {
    super(`Lambda functions disagree on environment variable ${variable}; the local runtime runs them in one process`);
    this.name = 'ConflictingHandlerEnvironmentError';
  }
}

/**
 * The largest state input or output Step Functions accepts: 256 KiB of UTF-8.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (payload size)
 */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

const seconds = (date?: Date): number | undefined => (date ? date.getTime() / 1000 : undefined);
const TERMINAL_REDRIVABLE: ReadonlySet<ExecutionStatus> = new Set(['FAILED', 'ABORTED', 'TIMED_OUT']);

/**
 * The state machines of a synthesized template, run in this process by
 * aws-local-stepfunctions with every Lambda task mapped to its handler module,
 * behind an AWS JSON 1.0 endpoint on 127.0.0.1 for the real SFN client.
 */
export class LocalStepFunctions {
  public static async start(props: LocalStepFunctionsProps): Promise<LocalStepFunctions> {
    installPromiseWithResolvers();
    const local = new LocalStepFunctions(props);
    const server = await startAwsJsonServer({
      targetPrefix: 'AWSStepFunctions',
      jsonVersion: '1.0',
      operations: {
        StartExecution: (input) => local.startExecution(input),
        DescribeExecution: (input) => local.describeExecution(input),
        StopExecution: (input) => local.stopExecution(input),
        RedriveExecution: async (input) => local.redriveExecution(input),
        GetExecutionHistory: (input) => local.getExecutionHistory(input),
        ListExecutions: (input) => local.listExecutions(input),
        DescribeStateMachine: (input) => local.describeStateMachine(input),
      },
    });
    local.endpoint = server.url;
    local.closeServer = server.close;
    // The handlers' own SFN client (DescribeExecution of a lock's owner) reaches this endpoint, as it reaches Step Functions in Lambda.
    process.env.AWS_ENDPOINT_URL_SFN = server.url;
    local.continueJournaledExecutions();
    return local;
  }

  public endpoint = '';
  /** Logical id → ARN of each state machine in the template. */
  public readonly stateMachineArns: Record<string, string> = {};
  private closeServer: () => Promise<void> = async () => undefined;
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly executions = new Map<string, LocalExecution>();
  private readonly handlers = new Map<string, (input: unknown) => Promise<unknown>>();
  private readonly waitScale: number;
  private readonly retryScale: number;
  private readonly journal?: ExecutionJournal;
  private readonly maxHistoryEvents?: number;
  private readonly throttleLambda: () => boolean;

  private constructor(props: LocalStepFunctionsProps) {
    this.throttleLambda = props.throttleLambda ?? (() => false);
    this.waitScale = props.waitScale ?? 1;
    this.maxHistoryEvents = props.maxHistoryEvents;
    this.journal = props.executionsDirectory ? new ExecutionJournal(props.executionsDirectory) : undefined;
    this.retryScale = props.retryScale ?? 1;
    const environment: Record<string, string> = {};
    const functions = localFunctions(props.template);
    for (const fn of functions) {
      for (const [key, value] of Object.entries(fn.environment)) {
        if (key in environment && environment[key] !== value) throw new ConflictingHandlerEnvironmentError(key);
        environment[key] = value;
      }
    }
    Object.assign(process.env, environment, props.environment);
    // After the environment: loading a handler module runs its top level (its logger reads the log level).
    for (const fn of functions) this.handlers.set(fn.arn, loadHandler(fn, props.repoRoot));
    for (const [logicalId, resource] of Object.entries(findResources(props.template, 'AWS::StepFunctions::StateMachine'))) {
      const properties = resource.Properties ?? {};
      const definitionString = String(resolveValue(props.template, properties.DefinitionString ?? JSON.stringify(properties.Definition ?? {})));
      const definition = withDistributedMapFailures(JSON.parse(definitionString) as ScopeDefinition);
      const arn = resourceArn(props.template, logicalId);
      this.stateMachineArns[logicalId] = arn;
      this.machines.set(arn, {
        arn, name: arn.split(':').pop()!, definition, definitionString, states: indexStates(definition), places: layoutOf(definition), createdAt: new Date(),
      });
    }
  }

  /** ARNs of the executions that were RUNNING when an earlier run of this runtime died and now run again. */
  public readonly continuedAfterCrash: string[] = [];

  /** Stops running executions (recorded ABORTED, so `resume` redrives them) and the endpoint. */
  public async stop(): Promise<void> {
    for (const execution of this.executions.values()) execution.stop('LocalRuntimeStopped', 'the local runtime was stopped');
    await Promise.allSettled([...this.executions.values()].map((e) => e.finished));
    await this.closeServer();
  }

  /** Waits until an execution is no longer RUNNING (tests and the demo use this; clients poll DescribeExecution). */
  public async waitForExecution(arn: string): Promise<LocalExecution> {
    const execution = this.execution(arn);
    while (execution.status === 'RUNNING') await execution.finished;
    return execution;
  }

  public statistics(arn: string): ExecutionStatistics {
    return this.execution(arn).history.statistics();
  }

  private machine(arn: unknown): LocalStateMachine {
    const machine = this.machines.get(String(arn));
    if (!machine) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return machine;
  }

  private execution(arn: unknown): LocalExecution {
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:states:')) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const execution = this.executions.get(arn);
    if (!execution) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  private startExecution(input: Record<string, unknown>): unknown {
    const machine = this.machine(input.stateMachineArn);
    const name = String(input.name ?? crypto.randomUUID());
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
    const executionInput = String(input.input ?? '{}');
    try {
      JSON.parse(executionInput);
    } catch {
      throw new AwsServiceError('InvalidExecutionInput', 'Invalid execution input: not JSON');
    }
    const arn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // Standard workflows: same name and input while RUNNING → the same execution; anything else is a conflict.
      if (existing.status === 'RUNNING' && existing.props.input === executionInput) return { executionArn: arn, startDate: seconds(existing.startDate) };
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = this.createExecution(machine, name, executionInput);
    this.executions.set(arn, execution);
    execution.start();
    return { executionArn: arn, startDate: seconds(execution.startDate) };
  }

  private createExecution(machine: LocalStateMachine, name: string, input: string, restored?: JournaledExecution): LocalExecution {
    const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const waitOverrides: Record<string, number> = {};
    const retryOverrides: Record<string, number> = {};
    let execution: LocalExecution | undefined;
    const mapRuns = new MapRunFailures();
    for (const [stateName, info] of machine.states) {
      if (info.lambdaArn) taskHandlers[stateName] = withPayloadLimit(stateName, withChildHistoryLimit(info, this.taskHandler(info), () => execution), () => execution);
      const mapRunHandler = mapRuns.handler(stateName);
      if (mapRunHandler) taskHandlers[stateName] = mapRunHandler;
      const state = findState(machine.definition, stateName);
      if (info.type === 'Wait' && typeof state?.Seconds === 'number') waitOverrides[stateName] = Math.round(state.Seconds * 1000 * this.waitScale);
      if (Array.isArray(state?.Retry)) {
        const first = (state.Retry as { IntervalSeconds?: number }[])[0];
        retryOverrides[stateName] = Math.round((first?.IntervalSeconds ?? 1) * 1000 * this.retryScale);
      }
    }
    const arn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machine.name}:${name}`;
    return (execution = new LocalExecution({
      arn, name, stateMachineArn: machine.arn, stateMachineName: machine.name, definition: machine.definition, states: machine.states,
      places: machine.places, mapRuns, input, taskHandlers, waitOverrides, retryOverrides, journal: this.journal, restored, maxHistoryEvents: this.maxHistoryEvents,
    }));
  }

  /** Loads the journal; what was RUNNING when the last runtime died runs again (see LocalExecution.continueAfterCrash). */
  private continueJournaledExecutions(): void {
    for (const journaled of this.journal?.load() ?? []) {
      const machine = this.machines.get(journaled.stateMachineArn);
      if (!machine) continue; // a state machine this template no longer has: nothing can run it
      const execution = this.createExecution(machine, journaled.name, journaled.input, journaled);
      this.executions.set(execution.props.arn, execution);
      if (execution.status === 'RUNNING') {
        execution.continueAfterCrash();
        this.continuedAfterCrash.push(execution.props.arn);
      }
    }
  }

  private taskHandler(info: StateInfo): (input: unknown) => Promise<unknown> {
    const loaded = this.handlers.get(info.lambdaArn!);
    if (!loaded) return async () => { throw Object.assign(new Error(`no local handler for ${info.lambdaArn}`), { name: 'Lambda.ResourceNotFoundException' }); };
    // A throttled invocation fails before the handler runs, as Lambda refuses it before any sandbox gets it.
    const handler = async (payload: unknown) => {
      if (this.throttleLambda()) throw lambdaThrottled();
      return loaded(payload);
    };
    if (!info.invokeIntegration) return handler;
    return async (input) => {
      const { Payload } = (input ?? {}) as { Payload?: unknown };
      return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: await handler(Payload) };
    };
  }

  private describeExecution(input: Record<string, unknown>): unknown {
    const e = this.execution(input.executionArn);
    return {
      executionArn: e.props.arn,
      stateMachineArn: e.props.stateMachineArn,
      name: e.props.name,
      status: e.status,
      startDate: seconds(e.startDate),
      stopDate: seconds(e.stopDate),
      input: e.props.input,
      output: e.output,
      error: e.error,
      cause: e.cause,
      redriveCount: e.redriveCount,
      redriveDate: seconds(e.redriveDate),
      redriveStatus: notRedrivable(e) === undefined ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      redriveStatusReason: notRedrivable(e),
    };
  }

  private stopExecution(input: Record<string, unknown>): unknown {
    const e = this.execution(input.executionArn);
    e.stop(input.error as string | undefined, input.cause as string | undefined);
    return { stopDate: seconds(e.stopDate ?? new Date()) };
  }

  private async redriveExecution(input: Record<string, unknown>): Promise<unknown> {
    const e = this.execution(input.executionArn);
    if (!TERMINAL_REDRIVABLE.has(e.status)) throw new AwsServiceError('ExecutionNotRedrivable', `Execution is ${e.status}; only FAILED, ABORTED or TIMED_OUT executions can be redriven`);
    const reason = notRedrivable(e);
    if (reason) throw new AwsServiceError('ExecutionNotRedrivable', `${reason}: a redrive needs fewer than ${e.history.maxEvents - 1} history events`);
    // The stopped run's last events are still on their way into its trace (the library hands them over asynchronously).
    await Promise.race([e.finished, new Promise((r) => setTimeout(r, 2000))]);
    if (!TERMINAL_REDRIVABLE.has(e.status)) throw new AwsServiceError('ExecutionNotRedrivable', `Execution is ${e.status}`);
    e.redrive();
    return { redriveDate: seconds(e.redriveDate) };
  }

  private getExecutionHistory(input: Record<string, unknown>): unknown {
    const e = this.execution(input.executionArn);
    const events = input.reverseOrder ? [...e.history.events].reverse() : e.history.events;
    const max = Math.min(Number(input.maxResults ?? 1000) || 1000, 1000);
    const start = input.nextToken ? Number(Buffer.from(String(input.nextToken), 'base64').toString()) : 0;
    const page = events.slice(start, start + max);
    return { events: page, nextToken: start + max < events.length ? Buffer.from(String(start + max)).toString('base64') : undefined };
  }

  private listExecutions(input: Record<string, unknown>): unknown {
    const machine = this.machine(input.stateMachineArn);
    const all = [...this.executions.values()]
      .filter((e) => e.props.stateMachineArn === machine.arn && (!input.statusFilter || e.status === input.statusFilter))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const max = Number(input.maxResults ?? 100) || 100;
    const start = input.nextToken ? Number(Buffer.from(String(input.nextToken), 'base64').toString()) : 0;
    return {
      executions: all.slice(start, start + max).map((e) => ({
        executionArn: e.props.arn, stateMachineArn: e.props.stateMachineArn, name: e.props.name, status: e.status,
        startDate: seconds(e.startDate), stopDate: seconds(e.stopDate), redriveCount: e.redriveCount,
      })),
      nextToken: start + max < all.length ? Buffer.from(String(start + max)).toString('base64') : undefined,
    };
  }

  private describeStateMachine(input: Record<string, unknown>): unknown {
    const machine = this.machine(input.stateMachineArn);
    return { stateMachineArn: machine.arn, name: machine.name, status: 'ACTIVE', definition: machine.definitionString, roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`, type: 'STANDARD', creationDate: seconds(machine.createdAt) };
  }
}

/**
 * What Step Functions reports when Lambda throttles an invocation (Invoke
 * answers 429 TooManyRequestsException "Rate Exceeded."): the error
 * `Lambda.TooManyRequestsException`, which Retry and Catch match by name.
 * https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
function lambdaThrottled(): Error {
  const cause = 'Rate Exceeded. (Service: Lambda, Status Code: 429, Error Code: TooManyRequestsException)';
  return Object.assign(new Error(cause), { name: 'Lambda.TooManyRequestsException' });
}

/**
 * Why DescribeExecution says NOT_REDRIVABLE, in AWS's words; undefined when it
 * is redrivable. Besides the status, a redrive needs fewer than 24,999 history
 * events ("Execution history event limit exceeded").
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html (redriveStatusReason)
 */
function notRedrivable(e: LocalExecution): string | undefined {
  if (!TERMINAL_REDRIVABLE.has(e.status)) return `Execution is ${e.status}`;
  if (e.history.full) return 'Execution history event limit exceeded';
  return undefined;
}

/**
 * A task inside a DISTRIBUTED Map child whose own history is full fails with
 * States.Runtime before its handler runs: the child execution fails (on AWS at
 * its 25,000th event; here at its next task, as the library runs children
 * inline), and with it the Map, as a failed child fails it on AWS.
 */
function withChildHistoryLimit(info: StateInfo, handler: (input: unknown) => Promise<unknown>, execution: () => LocalExecution | undefined): (input: unknown) => Promise<unknown> {
  if (!info.distributedMap) return handler;
  const map = info.distributedMap;
  return async (input) => {
    const history = execution()?.history;
    if (history?.childHistoryFull(map)) throw Object.assign(new Error(historyLimitCause(history.maxEvents)), { name: 'States.Runtime' });
    return handler(input);
  };
}

/**
 * A task result larger than MAX_PAYLOAD_BYTES fails the execution with
 * States.DataLimitExceeded, a terminal error that no Retry or Catch (not even
 * States.ALL) handles, as on AWS.
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
function withPayloadLimit(stateName: string, handler: (input: unknown) => Promise<unknown>, execution: () => LocalExecution | undefined): (input: unknown) => Promise<unknown> {
  return async (input) => {
    // The library hands events of nested Parallel branches and Map iterations to the execution through chains of
    // promises; a Lambda invocation is never instant, and letting them through first keeps the history and the
    // redrive trace in the order things happened (and none lost when the execution ends right after).
    await new Promise((resolve) => setImmediate(resolve));
    const output = await handler(input);
    const bytes = Buffer.byteLength(JSON.stringify(output ?? null), 'utf8');
    if (bytes > MAX_PAYLOAD_BYTES) {
      const cause = `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit (${bytes} > ${MAX_PAYLOAD_BYTES}).`;
      execution()?.failTerminally('States.DataLimitExceeded', cause);
      throw Object.assign(new Error(cause), { name: 'States.DataLimitExceeded' });
    }
    return output;
  };
}

/** Finds a state's definition by name anywhere in the definition (names are unique). */
function findState(definition: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const states = (definition.States ?? {}) as Record<string, Record<string, unknown>>;
  if (name in states) return states[name];
  for (const state of Object.values(states)) {
    for (const nested of [state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[]) ?? [])]) {
      if (nested) {
        const found = findState(nested as Record<string, unknown>, name);
        if (found) return found;
      }
    }
  }
  return undefined;
}

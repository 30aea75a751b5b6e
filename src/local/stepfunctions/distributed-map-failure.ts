import { MAP_RUN_FAILED_PREFIX, processorOf, STRUCTURE_PREFIX, type ScopeDefinition, type StateDefinition } from './definition-layout';

export const EXCEEDED_TOLERATED_FAILURE = 'States.ExceedToleratedFailureThreshold';
const CHILD_PREFIX = `${STRUCTURE_PREFIX}child__`;
const CHILD_START_PREFIX = `${STRUCTURE_PREFIX}child_start__`;
const LOCAL_RESOURCE = 'arn:aws:states:::cluster-update-local:map-run';

/**
 * On AWS a child execution of a DISTRIBUTED Map that fails fails the Map Run (the tolerated failure threshold
 * defaults to 0), the Map state fails with `States.ExceedToleratedFailureThreshold`, not with the child's error,
 * and no further child starts
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html#maprun-fail-threshold). The
 * library passes the child's error through and still starts the items queued behind MaxConcurrency. So each such
 * processor becomes: a guard that ends a child at once when its Map Run has failed, then the processor as a
 * one-branch Parallel whose Catch hands the child to a state that marks the Map Run failed and throws AWS's error.
 * Both are local handlers (MapRunFailures). Maps that tolerate failures (ToleratedFailure*) are left as they are:
 * the local runtime does not model a threshold above zero.
 */
export function withDistributedMapFailures(definition: ScopeDefinition): ScopeDefinition {
  return wrapScope(definition);
}

function wrapScope(scope: ScopeDefinition): ScopeDefinition {
  const states: Record<string, StateDefinition> = {};
  for (const [name, state] of Object.entries(scope.States)) states[name] = wrapState(name, state);
  return { ...scope, States: states };
}

function wrapState(name: string, state: StateDefinition): StateDefinition {
  const branches = state.Branches as ScopeDefinition[] | undefined;
  if (branches) return { ...state, Branches: branches.map(wrapScope) };
  const processor = processorOf(state);
  if (!processor) return state;
  const inner = wrapScope(processor);
  const config = (processor.ProcessorConfig ?? {}) as { Mode?: string };
  const tolerates = ['ToleratedFailurePercentage', 'ToleratedFailureCount', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath'].some((k) => k in state);
  if (config.Mode !== 'DISTRIBUTED' || tolerates) return { ...state, [state.ItemProcessor ? 'ItemProcessor' : 'Iterator']: inner };
  const { ProcessorConfig, StartAt, States, ...rest } = inner;
  const child = `${CHILD_PREFIX}${name}`;
  const failed = `${MAP_RUN_FAILED_PREFIX}${name}`;
  const start = `${CHILD_START_PREFIX}${name}`;
  const wrapped: ScopeDefinition = {
    ...rest,
    ProcessorConfig,
    StartAt: start,
    States: {
      [start]: { Type: 'Task', Resource: LOCAL_RESOURCE, ResultPath: null, Next: child },
      [child]: {
        Type: 'Parallel', Branches: [{ StartAt, States }], OutputPath: '$[0]', End: true,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failed }],
      },
      [failed]: { Type: 'Task', Resource: LOCAL_RESOURCE, End: true },
    },
  };
  return { ...state, ItemProcessor: wrapped };
}

/** The Map a local Map Run state belongs to, and which of the two it is; undefined for any other state. */
export function mapRunState(stateName: string): { readonly map: string; readonly role: 'start' | 'failed' } | undefined {
  if (stateName.startsWith(CHILD_START_PREFIX)) return { map: stateName.slice(CHILD_START_PREFIX.length), role: 'start' };
  if (stateName.startsWith(MAP_RUN_FAILED_PREFIX)) return { map: stateName.slice(MAP_RUN_FAILED_PREFIX.length), role: 'failed' };
  return undefined;
}

/** Which Map Runs of one execution's current run have failed: what the two local states read and write. */
export class MapRunFailures {
  private readonly failed = new Set<string>();

  public reset(): void {
    this.failed.clear();
  }

  public handler(stateName: string): ((input: unknown) => Promise<unknown>) | undefined {
    const state = mapRunState(stateName);
    if (!state) return undefined;
    return async (input) => {
      if (state.role === 'failed') this.failed.add(state.map);
      if (state.role === 'failed' || this.failed.has(state.map)) {
        throw Object.assign(new Error(`The Map Run of ${state.map} failed: a child execution failed and the tolerated failure threshold is 0 (local runtime wording)`), { name: EXCEEDED_TOLERATED_FAILURE });
      }
      return input;
    };
  }
}

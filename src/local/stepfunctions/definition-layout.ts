/** A state definition as the runtime reads it (ASL, JSONPath). */
export type StateDefinition = Record<string, unknown>;

/** A `{ StartAt, States }` object: the definition itself, a Parallel branch or a Map processor. */
export interface ScopeDefinition {
  readonly StartAt: string;
  readonly States: Record<string, StateDefinition>;
  readonly [other: string]: unknown;
}

/** Where a state sits: in the top scope, a Parallel branch or a Map iteration. */
export interface StatePlace {
  readonly type: string;
  /** The composite state whose branch or processor holds this state; undefined at the top. */
  readonly parent?: string;
  /** The Parallel branch index (for a Map's processor: undefined). */
  readonly branch?: number;
  /** Whether the parent is a Map (its scopes are keyed by the iteration index). */
  readonly inMap: boolean;
  readonly end: boolean;
  readonly next?: string;
}

/**
 * Names of the states the local runtime adds around a definition. `SCAFFOLD` states steer a redrive to where
 * the earlier run stopped and are invisible (no history, no trace); `STRUCTURE` states model AWS behaviour the
 * library lacks (the Distributed Map failure) and are traced but kept out of the history.
 */
export const SCAFFOLD_PREFIX = '__cu_redrive_';
export const STRUCTURE_PREFIX = '__cu_local_';

export const isScaffold = (name: string): boolean => name.startsWith(SCAFFOLD_PREFIX);
/** The local stand-in for a failed Map Run: where its child really failed is the state it caught. */
export const MAP_RUN_FAILED_PREFIX = `${STRUCTURE_PREFIX}map_run_failed__`;
export const isLocalStructure = (name: string): boolean => name.startsWith(STRUCTURE_PREFIX);

export function processorOf(state: StateDefinition): ScopeDefinition | undefined {
  return (state.ItemProcessor ?? state.Iterator) as ScopeDefinition | undefined;
}

/** Every state of a definition (names are unique across it) with its place. */
export function layoutOf(definition: ScopeDefinition): Map<string, StatePlace> {
  const places = new Map<string, StatePlace>();
  const walk = (scope: ScopeDefinition, parent?: string, branch?: number, inMap = false): void => {
    for (const [name, state] of Object.entries(scope.States)) {
      places.set(name, {
        type: String(state.Type), parent, branch, inMap,
        end: state.End === true || state.Type === 'Succeed' || state.Type === 'Fail',
        next: typeof state.Next === 'string' ? state.Next : undefined,
      });
      const processor = processorOf(state);
      if (processor) walk(processor, name, undefined, true);
      ((state.Branches as ScopeDefinition[] | undefined) ?? []).forEach((b, i) => walk(b, name, i, false));
    }
  };
  walk(definition);
  return places;
}

/**
 * The key of the scope a state runs in: '' at the top, `<parent scope>/<Parallel>#<branch>` in a branch,
 * `<parent scope>/<Map>[<index>]` in a Map iteration. The library tags an event from a Map iteration with that
 * iteration's index (the outermost Map's, when Maps nest: nested Maps are keyed by it alone).
 */
export function scopeKeyOf(places: ReadonlyMap<string, StatePlace>, name: string, index?: number): string {
  const place = places.get(name);
  if (!place?.parent) return '';
  const parentKey = scopeKeyOf(places, place.parent, index);
  return `${parentKey}/${place.parent}${place.inMap ? `[${index ?? 0}]` : `#${place.branch ?? 0}`}`;
}

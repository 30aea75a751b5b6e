import { MAP_RUN_FAILED_PREFIX, scopeKeyOf, type StatePlace } from './definition-layout';

/** A state and the input it was entered with. */
export interface StatePoint {
  readonly name: string;
  readonly input: unknown;
}

/** What one scope (the top, a Parallel branch, a Map iteration) did, as far as a redrive needs to know. */
export interface ScopeRecord {
  /** Entered and not exited: where this scope stopped. */
  current?: StatePoint;
  /** The last state whose error a Catch handled (a Catch into the local Distributed Map failure is transparent). */
  caught?: StatePoint;
  /** The last state exited, while no other has been entered after it. */
  after?: StatePoint & { readonly output: unknown };
  /** The scope's end state exited with this output: the scope succeeded. */
  ended?: { readonly output: unknown };
}

/** Where a redrive picks a scope up. */
export type ResumePoint =
  | { readonly kind: 'ended'; readonly output: unknown }
  | { readonly kind: 'resume'; readonly point: StatePoint };

/** The state event of the library, reduced to what the trace reads. */
export interface TracedEvent {
  readonly type: string;
  readonly state?: { readonly name: string; readonly input?: unknown; readonly output?: unknown };
  readonly index?: number;
}

/**
 * The progress of an execution per scope, recorded from the library's events, so that a redrive can continue
 * each scope where it stopped, as Step Functions does: "a parent workflow redrives unsuccessful states if there's
 * no <stateType>Exited event corresponding to the <stateType>Entered event"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html); only the Parallel branches and Map
 * iterations that did not succeed run again
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html).
 */
export class RunTrace {
  private readonly scopes: Map<string, ScopeRecord>;

  public constructor(private readonly places: ReadonlyMap<string, StatePlace>, restored?: Record<string, ScopeRecord>) {
    this.scopes = new Map(Object.entries(restored ?? {}));
  }

  public snapshot(): Record<string, ScopeRecord> {
    return Object.fromEntries(this.scopes);
  }

  /**
   * `reentry`: the state is a redrive's copy of a composite state whose scopes the trace already holds (its
   * succeeded branches and iterations must stay succeeded), not a new entry of it (a loop) that starts afresh.
   */
  public record(event: TracedEvent, options: { reentry?: boolean } = {}): void {
    const state = event.state;
    if (!state) return;
    const key = scopeKeyOf(this.places, state.name, event.index);
    const scope = this.scope(key);
    switch (event.type) {
      case 'StateEntered': {
        scope.current = { name: state.name, input: state.input };
        scope.after = undefined;
        scope.ended = undefined;
        if (!options.reentry) this.forgetNested(`${key}/${state.name}`);
        return;
      }
      case 'StateExited': {
        scope.current = undefined;
        if (this.places.get(state.name)?.end) scope.ended = { output: state.output };
        else scope.after = { name: state.name, input: state.input, output: state.output };
        return;
      }
      case 'StateCaught':
        scope.caught = { name: state.name, input: state.input };
        return;
      default:
        return undefined;
    }
  }

  /** Where a redrive continues the scope `key`; undefined when it never started. */
  public resumePoint(key: string): ResumePoint | undefined {
    const scope = this.scopes.get(key);
    if (!scope) return undefined;
    if (scope.ended) return { kind: 'ended', output: scope.ended.output };
    if (scope.current) {
      // The local stand-in for a failed Map Run ends its child in a state of its own: the child really failed where it was caught.
      if (scope.current.name.startsWith(MAP_RUN_FAILED_PREFIX) && scope.caught) return { kind: 'resume', point: scope.caught };
      return { kind: 'resume', point: scope.current };
    }
    if (scope.after) {
      const place = this.places.get(scope.after.name);
      // Stopped between two states: a Choice is evaluated again, anything else continues at its Next.
      if (place?.type === 'Choice' || !place?.next) return { kind: 'resume', point: { name: scope.after.name, input: scope.after.input } };
      return { kind: 'resume', point: { name: place.next, input: scope.after.output } };
    }
    return undefined;
  }

  /** The iteration indexes of the Map `mapKey` (`<scope>/<Map>`) that started. */
  public iterations(mapKey: string): number[] {
    const indexes: number[] = [];
    for (const key of this.scopes.keys()) {
      const match = key.startsWith(`${mapKey}[`) ? /^\[(\d+)\]$/.exec(key.slice(mapKey.length)) : null;
      if (match) indexes.push(Number(match[1]));
    }
    return indexes.sort((a, b) => a - b);
  }

  private scope(key: string): ScopeRecord {
    let scope = this.scopes.get(key);
    if (!scope) this.scopes.set(key, (scope = {}));
    return scope;
  }

  private forgetNested(compositeKey: string): void {
    for (const key of [...this.scopes.keys()]) {
      if (key.startsWith(`${compositeKey}#`) || key.startsWith(`${compositeKey}[`)) this.scopes.delete(key);
    }
  }
}

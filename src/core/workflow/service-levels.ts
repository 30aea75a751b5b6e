import { ancestors, type ServiceGraph } from '../dag/service-graph';

export type ServiceState = 'PENDING' | 'UPDATING' | 'UPDATED' | 'FAILED' | 'SKIPPED';

export interface LevelDecision {
  /** Services of the level to update now. */
  readonly run: readonly string[];
  /** Services to mark SKIPPED, each with the failed service that caused it. */
  readonly skip: readonly { readonly service: string; readonly because: string }[];
  /** Services already UPDATED (a rerun): nothing to do. */
  readonly done: readonly string[];
  /** Services FAILED in this run (e.g. on the canary): not run again before a resume. */
  readonly failed: readonly string[];
}

/**
 * What to do with one DAG level: a service whose ancestors include a FAILED
 * service is SKIPPED (naming the failed root) — a failure skips only the
 * subgraph rooted at it; an UPDATED one is left alone; a FAILED one is not run
 * again (a failed step runs again only on resume); everything else runs.
 * `states` are this run's: the caller passes a service that FAILED or was
 * SKIPPED in an earlier run as PENDING, so a resume runs it again.
 */
export function decideLevel(level: readonly string[], graph: ServiceGraph, states: ReadonlyMap<string, ServiceState>, order: readonly string[]): LevelDecision {
  const position = new Map(order.map((name, i) => [name, i]));
  const run: string[] = [];
  const skip: { service: string; because: string }[] = [];
  const done: string[] = [];
  const failed: string[] = [];
  for (const service of level) {
    if (states.get(service) === 'UPDATED') {
      done.push(service);
      continue;
    }
    if (states.get(service) === 'FAILED') {
      failed.push(service);
      continue;
    }
    const failedRoots = [...ancestors(graph, service)].filter((a) => states.get(a) === 'FAILED').sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    if (failedRoots.length > 0) skip.push({ service, because: failedRoots[0]! });
    else run.push(service);
  }
  return { run, skip, done, failed };
}

export interface UpdateSummary {
  readonly updated: readonly string[];
  readonly failed: readonly string[];
  readonly skipped: readonly string[];
  readonly pending: readonly string[];
  /** For the execution's failure cause: "failed: a; skipped: b, c". Empty when everything was updated. */
  readonly cause: string;
}

export function summarize(states: ReadonlyMap<string, ServiceState>): UpdateSummary {
  const pick = (wanted: ServiceState[]) => [...states].filter(([, s]) => wanted.includes(s)).map(([n]) => n).sort();
  const updated = pick(['UPDATED']);
  const failed = pick(['FAILED']);
  const skipped = pick(['SKIPPED']);
  const pending = pick(['PENDING', 'UPDATING']);
  const parts = [failed.length ? `failed: ${failed.join(', ')}` : '', skipped.length ? `skipped: ${skipped.join(', ')}` : '', pending.length ? `not updated: ${pending.join(', ')}` : ''];
  return { updated, failed, skipped, pending, cause: parts.filter(Boolean).join('; ') };
}

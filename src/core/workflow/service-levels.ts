export type ServiceState = 'PENDING' | 'UPDATING' | 'UPDATED' | 'FAILED' | 'SKIPPED';

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

/** How many nodes or services are in each state, as the summary cards show them. */
export interface StateCounts {
  readonly updated: number;
  readonly updating: number;
  readonly failed: number;
  readonly skipped: number;
  readonly pending: number;
  readonly total: number;
}

/** Counts node or service states (UPDATED, UPDATING, FAILED, SKIPPED; anything else is pending). */
export function stateCounts(items: readonly { readonly state: string }[]): StateCounts {
  const count = (state: string) => items.filter((i) => i.state === state).length;
  const updated = count('UPDATED');
  const updating = count('UPDATING');
  const failed = count('FAILED');
  const skipped = count('SKIPPED');
  return { updated, updating, failed, skipped, pending: items.length - updated - updating - failed - skipped, total: items.length };
}

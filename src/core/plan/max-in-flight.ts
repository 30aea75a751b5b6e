import type { Policy } from '../manifest/schema';

/** `maxInFlight` as a node count: a percentage is of ALL inventory nodes, rounded down, at least 1. */
export function resolveMaxInFlight(maxInFlight: Policy['maxInFlight'], nodeCount: number): number {
  if (typeof maxInFlight === 'number') return maxInFlight;
  const percent = Number(maxInFlight.slice(0, -1));
  return Math.max(1, Math.floor((nodeCount * percent) / 100));
}

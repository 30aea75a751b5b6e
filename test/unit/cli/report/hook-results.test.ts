import { describe, expect, it } from 'vitest';
import { hookResults } from '../../../../src/cli/report/hook-results';
import { REPORT_T0, failedUpdateCheckpoints } from '../../../fixtures/report/report-fixture';

describe('hookResults', () => {
  const now = REPORT_T0 + 600_000;

  it('gives one row per hook, pre-update first, in the order they ran, with skips and durations', () => {
    expect(hookResults(failedUpdateCheckpoints(), now)).toEqual([
      { phase: 'pre-hooks', name: 'disk-space', status: 'SKIPPED', skipped: true, nodes: 6, statusCounts: { SKIPPED: 6 }, reason: 'skipped by operator' },
      // Six nodes from 2 s, the slowest finishing at 2 + 2 + 5 × 0.3 s.
      { phase: 'pre-hooks', name: 'cluster-health', status: 'SUCCEEDED', skipped: false, nodes: 6, statusCounts: { SUCCEEDED: 6 }, durationMs: 3500 },
      expect.objectContaining({ phase: 'post-hooks', name: 'smoke', status: 'SUCCEEDED', skipped: false, nodes: 6, durationMs: 4000 }),
    ]);
  });

  it('reports a hook failed on one node as failed, with that node\'s error', () => {
    const checkpoints = failedUpdateCheckpoints().map((c) => (c.phase === 'post-hooks' && c.target === 'node-4' ? { ...c, status: 'FAILED' as const, error: 'smoke: 502 from web-ui' } : c));
    expect(hookResults(checkpoints, now).find((h) => h.name === 'smoke')).toMatchObject({ status: 'FAILED', skipped: false, error: 'smoke: 502 from web-ui', statusCounts: { SUCCEEDED: 5, FAILED: 1 } });
  });
});

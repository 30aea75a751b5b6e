import { describe, expect, it } from 'vitest';
import type { CheckpointRecord } from '../../../src/aws/store/checkpoint-store';
import { updateTotals } from '../../../src/workflow/update-totals';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

function checkpoint(phase: CheckpointRecord['phase'], target: string, step: string, status: CheckpointRecord['status'], start?: number, end?: number): CheckpointRecord {
  return { updateId: 'u-1', phase, target, step, status, fence: 1, attempts: 1, startedAt: start === undefined ? undefined : at(start), endedAt: end === undefined ? undefined : at(end) };
}

function byName(checkpoints: CheckpointRecord[]): Record<string, number> {
  return Object.fromEntries(updateTotals(checkpoints).map((m) => [m.phase ? `${m.name}[${m.phase}]` : m.name, m.value]));
}

describe('updateTotals', () => {
  it('counts nodes updated (canary included), failed and skipped, each once however many steps it has', () => {
    const totals = byName([
      checkpoint('canary', 'n0', 'drain', 'SUCCEEDED', 0, 1),
      checkpoint('canary', 'n0', 'rejoin', 'SUCCEEDED', 1, 2),
      checkpoint('wave', 'n1', 'drain', 'SUCCEEDED', 10, 11),
      checkpoint('wave', 'n1', 'platform-os', 'SUCCEEDED', 11, 12),
      checkpoint('wave', 'n1', 'rejoin', 'SUCCEEDED', 12, 13),
      checkpoint('wave', 'n2', 'drain', 'SUCCEEDED', 10, 11),
      checkpoint('wave', 'n2', 'platform-os', 'FAILED', 11, 14),
      checkpoint('wave', 'n3', 'node', 'SKIPPED'),
      checkpoint('wave', 'n4', 'drain', 'RUNNING', 14),
    ]);
    expect(totals).toMatchObject({ NodesUpdated: 2, NodesFailed: 1, NodesSkipped: 1 });
  });

  it('counts a node that failed once and then rejoined on resume as updated, not failed', () => {
    const totals = byName([checkpoint('wave', 'n1', 'platform-os', 'FAILED', 0, 1), checkpoint('wave', 'n1', 'rejoin', 'SUCCEEDED', 5, 6)]);
    expect(totals).toMatchObject({ NodesUpdated: 1, NodesFailed: 0 });
  });

  it('counts services by their service checkpoint, ignoring per-replica steps', () => {
    const totals = byName([
      checkpoint('service', 'api', 'service', 'SUCCEEDED', 20, 25),
      checkpoint('service', 'api', 'update-n1', 'SUCCEEDED', 20, 21),
      checkpoint('service', 'api', 'health-n1', 'FAILED', 21, 22),
      checkpoint('service', 'db', 'service', 'FAILED', 20, 23),
      checkpoint('service', 'web', 'service', 'SKIPPED'),
      checkpoint('service', 'jobs', 'service', 'SKIPPED'),
    ]);
    expect(totals).toMatchObject({ ServicesUpdated: 1, ServicesFailed: 1, ServicesSkipped: 2 });
  });

  it('measures each phase from its first start to its last end, in the order the phases began', () => {
    const metrics = updateTotals([
      checkpoint('wave', 'n1', 'drain', 'SUCCEEDED', 10, 12),
      checkpoint('canary', 'n0', 'drain', 'SUCCEEDED', 2, 3),
      checkpoint('wave', 'n2', 'rejoin', 'SUCCEEDED', 11, 19),
      checkpoint('canary', 'n0', 'rejoin', 'SUCCEEDED', 4, 7),
      // A phase with nothing ended yet has no duration.
      checkpoint('post-hooks', 'n1', 'smoke', 'RUNNING', 30),
    ]).filter((m) => m.name === 'PhaseDuration');
    expect(metrics).toEqual([
      { name: 'PhaseDuration', unit: 'Milliseconds', value: 5_000, phase: 'canary' },
      { name: 'PhaseDuration', unit: 'Milliseconds', value: 9_000, phase: 'wave' },
    ]);
  });

  it('reports zeros (and no durations) for an update that never got going', () => {
    expect(updateTotals([])).toEqual(
      ['NodesUpdated', 'NodesFailed', 'NodesSkipped', 'ServicesUpdated', 'ServicesFailed', 'ServicesSkipped'].map((name) => ({ name, unit: 'Count', value: 0 })),
    );
  });
});

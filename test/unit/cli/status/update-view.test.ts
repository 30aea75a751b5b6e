import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../../src/cli/status/render-status';
import { statusJson } from '../../../../src/cli/status/status-json';
import { buildUpdateView } from '../../../../src/cli/status/update-view';
import { T0, checkpoint, midUpdateCheckpoints, plan, record } from '../../../fixtures/cli/update-fixture';

const now = new Date(T0 + 20_000);

describe('buildUpdateView', () => {
  it('counts waves, nodes and services from the checkpoints', () => {
    const view = buildUpdateView({ record: record(), plan, checkpoints: midUpdateCheckpoints() }, now);
    expect(view.canary).toBe('node-1');
    expect(view.waves).toEqual({ done: 1, total: 3 });
    expect(view.counts.nodes).toEqual({ done: 3, failed: 0, skipped: 0, pending: 3, total: 6 });
    expect(view.counts.services).toMatchObject({ done: 1, failed: 1, skipped: 4, total: 14 });
    expect(view.nodes.find((n) => n.id === 'node-4')?.state).toBe('UPDATING');
    expect(view.services.find((s) => s.name === 'search')).toMatchObject({ state: 'FAILED', reason: 'service search on node-3: Failed, exit 1: boom' });
  });

  it('lists what runs now with its command id, and hooks in manifest order with skips marked', () => {
    const view = buildUpdateView({ record: record(), plan, checkpoints: midUpdateCheckpoints() }, now);
    expect(view.inFlight).toEqual([{ phase: 'wave', target: 'node-4', step: 'system-packages', commandId: 'cmd-42', since: new Date(T0 + 16_000).toISOString() }]);
    expect(view.hooks).toEqual([
      { phase: 'pre-hooks', name: 'disk-space', state: 'SKIPPED', skipped: true },
      { phase: 'pre-hooks', name: 'cluster-health', state: 'SUCCEEDED', skipped: false },
      { phase: 'post-hooks', name: 'smoke', state: 'PENDING', skipped: false },
    ]);
  });

  it('estimates the time left from the share of work finished while running, and not once ended', () => {
    const running = buildUpdateView({ record: record(), plan, checkpoints: midUpdateCheckpoints() }, now);
    expect(running.elapsedMs).toBe(20_000);
    // 9 of 20 units finished (3 nodes, 1 updated + 1 failed + 4 skipped services) in 20 s → 11 left ≈ 24.4 s.
    expect(running.estimateRemainingMs).toBe(Math.round((20_000 * 11) / 9));
    const ended = buildUpdateView({ record: record({ status: 'FAILED', error: 'UpdatePartiallyFailed: failed: search' }), plan, checkpoints: midUpdateCheckpoints() }, now);
    expect(ended.estimateRemainingMs).toBeUndefined();
    expect(ended.elapsedMs).toBe(60_000); // until the record's last write
  });

  it('takes the execution\'s status when it ended without the workflow recording one (stop --now, timeout)', () => {
    const view = buildUpdateView({ record: record(), plan, checkpoints: [], execution: { executionArn: 'arn:x', status: 'TIMED_OUT', error: 'States.Timeout', cause: 'too slow' } }, now);
    expect(view.status).toBe('TIMED_OUT');
    expect(view.error).toBe('States.Timeout: too slow');
    expect(view.nextSteps[0]).toContain('cluster-update resume u1');
  });

  it('suggests next commands for the target it was read from', () => {
    const failed = buildUpdateView({ record: record({ status: 'FAILED' }), plan, checkpoints: [] }, now, ' --target aws --stack Prod');
    expect(failed.nextSteps).toEqual([
      'fix the cause above, then cluster-update resume u1 --target aws --stack Prod   (finished steps are not redone)',
      'cluster-update rollback u1 --target aws --stack Prod   (back to the previous release)',
      'cluster-update report u1 -o update.html --target aws --stack Prod   (timeline)',
    ]);
    expect(buildUpdateView({ record: record({ status: 'RUNNING' }), plan, checkpoints: [] }, now).nextSteps[1]).toContain('cluster-update stop u1');
  });

  it('before the plan exists it shows the record alone', () => {
    const view = buildUpdateView({ record: record({ status: 'PENDING', phase: 'pending', planHash: undefined }), checkpoints: [] }, now);
    expect(view).toMatchObject({ status: 'PENDING', nodes: [], services: [], waves: { done: 0, total: 0 } });
    expect(view.canary).toBeUndefined();
  });

  it('uses what nodes report for their release when it is known', () => {
    const view = buildUpdateView({ record: record(), plan, checkpoints: [checkpoint('canary', 'node-1', 'drain', 'SUCCEEDED', 0, 1)], nodeReleases: new Map([['node-1', null]]) }, now);
    expect(view.nodes.find((n) => n.id === 'node-1')?.release).toBeNull(); // mid-update: platform steps disagree
  });
});

describe('status --json', () => {
  it('is the documented subset: updateId, executionArn, status, phase, nodes, services', () => {
    const json = statusJson(buildUpdateView({ record: record(), plan, checkpoints: midUpdateCheckpoints() }, now));
    expect(Object.keys(json)).toEqual(['updateId', 'executionArn', 'status', 'phase', 'nodes', 'services']);
    expect(json.nodes[0]).toEqual({ id: 'node-1', release: '7.2.0', state: 'UPDATED' });
    expect(json.services.find((s) => s.name === 'tql')).toEqual({ name: 'tql', state: 'SKIPPED', release: '7.1.3', reason: 'skipped because search failed' });
  });
});

describe('what is out of service', () => {
  const outages = [
    { service: 'search', node: 'node-3', holder: 'wave#2', failed: true, error: 'platform config on node-3: Failed, exit 1' },
    { service: 'tql', node: 'node-2', holder: 'service#tql', failed: false },
  ];

  it('status --json lists the replicas held out, a failed one marked', () => {
    const json = statusJson(buildUpdateView({ record: record(), plan, checkpoints: midUpdateCheckpoints(), outages }, now));
    expect(json.out).toEqual(outages);
  });

  it('status says a failed replica stays out until a resume, and who holds the others', () => {
    const text = renderStatus(buildUpdateView({ record: record(), plan, checkpoints: midUpdateCheckpoints(), outages }, now));
    expect(text).toMatch(/out of service \(outage slots held\):\n +search +on node-3 +FAILED, stays out until resume: platform config on node-3/);
    expect(text).toMatch(/tql +on node-2 +by service#tql/);
  });

  it('nothing is said when nothing was read (a --watch poll)', () => {
    const view = buildUpdateView({ record: record(), plan, checkpoints: midUpdateCheckpoints() }, now);
    expect(statusJson(view).out).toBeUndefined();
    expect(renderStatus(view)).not.toContain('out of service');
  });
});

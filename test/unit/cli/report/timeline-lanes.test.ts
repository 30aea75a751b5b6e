import { describe, expect, it } from 'vitest';
import type { CheckpointRecord } from '../../../../src/aws/store/checkpoint-store';
import { buildTimeline } from '../../../../src/cli/report/timeline-lanes';
import type { Timeline, TimelineBar } from '../../../../src/cli/report/timeline-model';
import { canaryStepName, canarySteps } from '../../../../src/core/workflow/canary-steps';
import { manifest, plan } from '../../../fixtures/cli/update-fixture';
import { REPORT_T0, SEARCH_ERROR, checkpointsAt, failedUpdateCheckpoints, largeReportInput, reportInput } from '../../../fixtures/report/report-fixture';

const allBars = (timeline: Timeline): TimelineBar[] => timeline.groups.flatMap((g) => g.lanes.flatMap((l) => (l.summary ? [...l.bars, l.summary] : l.bars)));
const group = (timeline: Timeline, key: string) => timeline.groups.find((g) => g.key === key)!;
const lane = (timeline: Timeline, key: string) => timeline.groups.flatMap((g) => g.lanes).find((l) => l.key === key)!;

describe('buildTimeline', () => {
  const checkpoints = failedUpdateCheckpoints();
  const timeline = buildTimeline(reportInput(checkpoints));

  it('groups lanes in the order the update runs: hooks, canary, each wave, services, post-update hooks', () => {
    expect(timeline.groups.map((g) => g.title)).toEqual(['Pre-update hooks', 'Canary (node-1)', 'Wave 1 · 2 nodes', 'Wave 2 · 2 nodes', 'Wave 3 · 1 node', 'Services', 'Post-update hooks']);
    expect(timeline.groups.every((g) => !g.collapsed)).toBe(true);
  });

  it('draws every checkpoint as exactly one bar, keeping its phase, target, step and status', () => {
    const key = (b: { phase: string; target: string; step: string; status: string }) => `${b.phase}|${b.target}|${b.step}|${b.status}`;
    const bars = allBars(timeline);
    expect(bars).toHaveLength(checkpoints.length);
    expect(bars.map(key).sort()).toEqual(checkpoints.map(key).sort());
    expect(bars.every((b) => b.count === 1)).toBe(true);
  });

  it('puts the canary on one lane, its steps in the order the canary runs them', () => {
    const canary = group(timeline, 'canary');
    expect(canary.lanes.map((l) => l.label)).toEqual(['node-1']);
    expect(canary.lanes[0]!.bars.map((b) => b.step)).toEqual(canarySteps(manifest, plan).map(canaryStepName));
  });

  it('gives each wave a lane per node in plan order, with drain, the platform steps and rejoin in order', () => {
    expect(plan.waves.map((_, i) => group(timeline, `wave:${i}`).lanes.map((l) => l.label))).toEqual(plan.waves);
    expect(lane(timeline, 'wave:1:node-5').bars.map((b) => b.step)).toEqual(['drain', 'platform-system-packages', 'platform-config', 'platform-python-packages', 'platform-node-agent', 'rejoin']);
  });

  it('measures each bar from its checkpoint times, attempts included', () => {
    const config = lane(timeline, 'wave:1:node-5').bars.find((b) => b.step === 'platform-config')!;
    const stored = checkpoints.find((c) => c.phase === 'wave' && c.target === 'node-5' && c.step === 'platform-config')!;
    expect(config).toMatchObject({ kind: 'span', startMs: Date.parse(stored.startedAt!), endMs: Date.parse(stored.endedAt!), attempts: 2, open: false });
    expect(config.endMs - config.startMs).toBe(6000);
  });

  it('orders services by DAG level, the failed one with its error and its dependents skipped with the reason', () => {
    const services = group(timeline, 'service');
    expect(services.lanes.map((l) => l.label)).toEqual(plan.serviceOrder.flat());
    expect(services.lanes.map((l) => l.detail)).toEqual(plan.serviceOrder.flatMap((names, i) => names.map(() => `L${i + 1}`)));
    const search = lane(timeline, 'service:search');
    expect(search.summary).toMatchObject({ status: 'FAILED', error: SEARCH_ERROR });
    expect(search.bars).toEqual([expect.objectContaining({ step: 'update-node-2', status: 'FAILED', error: SEARCH_ERROR })]);
    const tql = lane(timeline, 'service:tql');
    expect(tql.bars).toEqual([]);
    expect(tql.summary).toMatchObject({ status: 'SKIPPED', reason: 'skipped because search failed' });
  });

  it('shows a skip recorded without a start as a marker at the moment it was recorded', () => {
    // Hooks run one after the other: the skipped disk-space check came first.
    expect(group(timeline, 'pre-hooks').lanes.map((l) => l.label)).toEqual(['disk-space', 'cluster-health']);
    const diskSpace = lane(timeline, 'pre-hooks:disk-space');
    expect(diskSpace.bars).toHaveLength(6);
    expect(diskSpace.bars.map((b) => b.target)).toEqual([plan.canary, ...plan.waves.flat()]);
    for (const bar of diskSpace.bars) expect(bar).toMatchObject({ kind: 'marker', status: 'SKIPPED', startMs: REPORT_T0 + 1000, endMs: REPORT_T0 + 1000, reason: 'skipped by operator' });
  });

  it('runs the axis from the update\'s creation to the last checkpoint\'s end once the update ended', () => {
    const lastEnd = Math.max(...checkpoints.map((c) => Date.parse(c.endedAt!)));
    expect(timeline.startMs).toBe(REPORT_T0);
    expect(timeline.endMs).toBe(lastEnd);
  });

  it('draws a step still running up to the generation time, and the axis runs to it', () => {
    const generatedAt = new Date(REPORT_T0 + 40_000).toISOString();
    const running = buildTimeline(reportInput(checkpointsAt(checkpoints, 40), { status: 'RUNNING', generatedAt }));
    const open = allBars(running).filter((b) => b.open);
    expect(open).toEqual([expect.objectContaining({ phase: 'canary', status: 'RUNNING', endMs: REPORT_T0 + 40_000 })]);
    expect(running.endMs).toBe(REPORT_T0 + 40_000);
    // Nodes that have not begun keep their (empty) lanes: the plan is visible before it runs.
    expect(lane(running, 'wave:2:node-6').bars).toEqual([]);
  });

  it('shows checkpoints of a node no wave lists instead of dropping them', () => {
    const stray: CheckpointRecord = { updateId: 'u-7-2', phase: 'wave', target: 'node-99', step: 'drain', status: 'FAILED', fence: 1, attempts: 1, startedAt: new Date(REPORT_T0 + 1000).toISOString(), endedAt: new Date(REPORT_T0 + 2000).toISOString(), error: 'gone' };
    const withStray = buildTimeline(reportInput([...checkpoints, stray]));
    expect(group(withStray, 'wave:other').lanes.map((l) => l.label)).toEqual(['node-99']);
  });
});

describe('buildTimeline on a large cluster', () => {
  const input = largeReportInput(1000);
  const timeline = buildTimeline(input);

  it('collapses a wave of more than 50 nodes to one lane with a bar per step, and keeps smaller waves per node', () => {
    expect(group(timeline, 'wave:0')).toMatchObject({ collapsed: false });
    expect(group(timeline, 'wave:0').lanes).toHaveLength(10);
    const wave4 = group(timeline, 'wave:3');
    expect(wave4).toMatchObject({ collapsed: true, title: 'Wave 4 · 599 nodes' });
    expect(wave4.lanes).toHaveLength(1);
    expect(wave4.lanes[0]!.bars.map((b) => [b.step, b.count, b.status])).toEqual(['drain', 'platform-system-packages', 'platform-config', 'rejoin'].map((s) => [s, 599, 'SUCCEEDED']));
  });

  it('folds a service\'s replica steps into one bar per kind and a hook over 1,000 nodes into one bar', () => {
    const service = lane(timeline, 'service:service-01');
    expect(service.bars.map((b) => [b.step, b.count])).toEqual([['update', 333], ['health', 333]]);
    expect(lane(timeline, 'pre-hooks:cluster-health').bars).toEqual([expect.objectContaining({ count: 1000, statusCounts: { SUCCEEDED: 1000 } })]);
  });

  it('stands for every checkpoint: the aggregated counts add up', () => {
    expect(allBars(timeline).reduce((n, b) => n + b.count, 0)).toBe(input.checkpoints.length);
    expect(timeline.groups.flatMap((g) => g.lanes).length).toBeLessThan(40);
  });

  it('colours a collapsed bar by its most alarming checkpoint and names the failures', () => {
    const failing = input.checkpoints.map((c) => (c.target === 'node-0500' && c.step === 'platform-config' ? { ...c, status: 'FAILED' as const, error: 'exit 1' } : c));
    const bar = buildTimeline({ ...input, checkpoints: failing }).groups.find((g) => g.key === 'wave:3')!.lanes[0]!.bars.find((b) => b.step === 'platform-config')!;
    expect(bar).toMatchObject({ status: 'FAILED', error: 'exit 1', statusCounts: { SUCCEEDED: 598, FAILED: 1 } });
  });

  it('collapses at the threshold given', () => {
    const small = buildTimeline(reportInput(failedUpdateCheckpoints()), { collapseAbove: 1 });
    expect(group(small, 'wave:0')).toMatchObject({ collapsed: true });
    expect(group(small, 'wave:2')).toMatchObject({ collapsed: false });
  });
});

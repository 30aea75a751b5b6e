import type { CheckpointPhase, CheckpointRecord } from '../../aws/store/checkpoint-store';
import { collapseBySteps } from './bar-aggregation';
import type { ReportInput } from './report-input';
import type { Timeline, TimelineBar, TimelineGroup, TimelineLane } from './timeline-model';

export interface TimelineOptions {
  /**
   * A wave with more nodes than this becomes one lane of aggregated bars (one
   * per step); a hook or service lane with more bars than this gets one bar per
   * step (kind). Keeps a 1,000-node report readable and small.
   * @default 50
   */
  readonly collapseAbove?: number;
}

export const DEFAULT_COLLAPSE_ABOVE = 50;

/** Updates that still move: the axis runs to the generation time. */
const ACTIVE_STATUSES = new Set(['PENDING', 'RUNNING']);

/**
 * Lays the checkpoints of an update out as timeline lanes, in the order the
 * update runs: pre-update hooks (a lane per hook, a bar per node), the canary
 * (one lane, a bar per step), each wave (a lane per node, a bar per step),
 * services (a lane per service in DAG order, a bar per replica step over the
 * service's own summary), hand-over and rollback if any, post-update hooks.
 * Every checkpoint becomes exactly one bar unless its lane is collapsed.
 */
export function buildTimeline(input: ReportInput, options: TimelineOptions = {}): Timeline {
  const collapseAbove = options.collapseAbove ?? DEFAULT_COLLAPSE_ABOVE;
  const times = input.checkpoints.flatMap((c) => [parseTime(c.startedAt), parseTime(c.endedAt)]).filter((t): t is number => t !== undefined);
  const createdMs = parseTime(input.createdAt);
  const generatedMs = parseTime(input.generatedAt) ?? Math.max(createdMs ?? 0, ...times);
  const startMs = Math.min(createdMs ?? generatedMs, ...times);
  const toBar = (c: CheckpointRecord) => checkpointBar(c, startMs, generatedMs);
  const byPhase = (phase: CheckpointPhase) => input.checkpoints.filter((c) => c.phase === phase).map(toBar);

  const nodeOrder = new Map([input.canary, ...input.waves.flat()].filter((n): n is string => n !== undefined).map((n, i) => [n, i]));
  const byNodeOrder = (a: TimelineBar, b: TimelineBar) => (nodeOrder.get(a.target) ?? nodeOrder.size) - (nodeOrder.get(b.target) ?? nodeOrder.size) || a.target.localeCompare(b.target);

  const groups: TimelineGroup[] = [
    hookGroup('pre-hooks', 'Pre-update hooks', byPhase('pre-hooks'), byNodeOrder, collapseAbove),
    canaryGroup(input.canary, byPhase('canary')),
    ...waveGroups(input.waves, byPhase('wave'), collapseAbove),
    serviceGroup(input, byPhase('service'), collapseAbove),
    targetGroup('handover', 'Hand-over', byPhase('handover')),
    targetGroup('rollback', 'Rollback', byPhase('rollback')),
    hookGroup('post-hooks', 'Post-update hooks', byPhase('post-hooks'), byNodeOrder, collapseAbove),
  ].filter((g) => g.lanes.length > 0);

  const bars = groups.flatMap((g) => g.lanes.flatMap((l) => (l.summary ? [...l.bars, l.summary] : l.bars)));
  const lastMs = Math.max(startMs, ...bars.map((b) => b.endMs), ...(ACTIVE_STATUSES.has(input.status) || bars.length === 0 ? [generatedMs] : []));
  // A zero-length axis cannot be drawn; one second is the shortest an operator reads.
  return { startMs, endMs: Math.max(lastMs, startMs + 1000), groups };
}

/** A checkpoint as a bar: a span from its start (to now while it runs), or a marker when it never started. */
export function checkpointBar(c: CheckpointRecord, originMs: number, generatedMs: number): TimelineBar {
  const started = parseTime(c.startedAt);
  const ended = parseTime(c.endedAt);
  const open = started !== undefined && ended === undefined && c.status === 'RUNNING';
  const startMs = started ?? ended ?? originMs;
  const endMs = open ? Math.max(generatedMs, startMs) : Math.max(ended ?? startMs, startMs);
  return {
    phase: c.phase,
    target: c.target,
    step: c.step,
    status: c.status,
    kind: started !== undefined ? 'span' : 'marker',
    startMs,
    endMs,
    open,
    attempts: c.attempts,
    ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
    ...(c.endedAt !== undefined ? { endedAt: c.endedAt } : {}),
    ...(c.error !== undefined ? { error: c.error } : {}),
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    count: 1,
    statusCounts: { [c.status]: 1 },
  };
}

function hookGroup(kind: 'pre-hooks' | 'post-hooks', title: string, bars: readonly TimelineBar[], byNodeOrder: (a: TimelineBar, b: TimelineBar) => number, collapseAbove: number): TimelineGroup {
  const lanes = [...groupBy(bars, (b) => b.step)].map(([hook, own]): TimelineLane => {
    const sorted = [...own].sort(byNodeOrder);
    const nodes = `${own.length} node${own.length === 1 ? '' : 's'}`;
    return { key: `${kind}:${hook}`, label: hook, detail: nodes, bars: sorted.length > collapseAbove ? collapseBySteps(sorted, nodes, (b) => b.step) : sorted };
  });
  // Hooks run one after the other: the lane order is the run order.
  lanes.sort((a, b) => firstTime(a) - firstTime(b) || a.label.localeCompare(b.label));
  return { key: kind, kind, title, lanes, collapsed: lanes.some(isCollapsed) };
}

function canaryGroup(canary: string | undefined, bars: readonly TimelineBar[]): TimelineGroup {
  const targets = [...groupBy(bars, (b) => b.target)];
  if (canary !== undefined && !targets.some(([t]) => t === canary)) targets.unshift([canary, []]);
  const lanes = targets.map(([node, own]): TimelineLane => ({ key: `canary:${node}`, label: node, bars: byTime(own) }));
  return { key: 'canary', kind: 'canary', title: canary !== undefined ? `Canary (${canary})` : 'Canary', lanes, collapsed: false };
}

function waveGroups(waves: readonly (readonly string[])[], bars: readonly TimelineBar[], collapseAbove: number): TimelineGroup[] {
  const byNode = groupBy(bars, (b) => b.target);
  const groups = waves.map((nodes, index): TimelineGroup => {
    const title = `Wave ${index + 1}`;
    if (nodes.length > collapseAbove) {
      const own = nodes.flatMap((n) => byNode.get(n) ?? []);
      const lane: TimelineLane = { key: `wave:${index}`, label: title, detail: `${nodes.length} nodes`, bars: own.length > 0 ? collapseBySteps(byTime(own), `${nodes.length} nodes`, (b) => b.step) : [] };
      return { key: `wave:${index}`, kind: 'wave', title: `${title} · ${nodes.length} nodes`, lanes: [lane], collapsed: true };
    }
    return { key: `wave:${index}`, kind: 'wave', title: `${title} · ${nodes.length} node${nodes.length === 1 ? '' : 's'}`, lanes: nodes.map((n) => ({ key: `wave:${index}:${n}`, label: n, bars: byTime(byNode.get(n) ?? []) })), collapsed: false };
  });
  // Checkpoints of nodes no wave lists (a plan changed by hand) are shown, not dropped.
  const planned = new Set(waves.flat());
  const strays = [...byNode].filter(([node]) => !planned.has(node));
  if (strays.length > 0) groups.push({ key: 'wave:other', kind: 'wave', title: 'Nodes in no planned wave', lanes: strays.map(([n, own]) => ({ key: `wave:other:${n}`, label: n, bars: byTime(own) })), collapsed: false });
  return groups;
}

function serviceGroup(input: ReportInput, bars: readonly TimelineBar[], collapseAbove: number): TimelineGroup {
  const byService = groupBy(bars, (b) => b.target);
  const level = new Map(input.serviceOrder.flatMap((names, i) => names.map((n): [string, number] => [n, i])));
  const others = [...new Set([...input.services.map((s) => s.name), ...byService.keys()])].filter((n) => !level.has(n)).sort();
  const lanes = [...input.serviceOrder.flat(), ...others].map((name): TimelineLane => {
    const own = byService.get(name) ?? [];
    const summary = own.find((b) => b.step === 'service');
    const replicas = byTime(own.filter((b) => b !== summary));
    const levelIndex = level.get(name);
    return {
      key: `service:${name}`,
      label: name,
      ...(levelIndex !== undefined ? { detail: `L${levelIndex + 1}` } : {}),
      // Replica steps are `<kind>-<node>`: a collapsed lane keeps one bar per kind.
      bars: replicas.length > collapseAbove ? collapseBySteps(replicas, `${replicas.length} replica steps`, (b) => b.step.split('-')[0]!) : replicas,
      ...(summary ? { summary } : {}),
    };
  });
  return { key: 'service', kind: 'service', title: 'Services', lanes, collapsed: lanes.some(isCollapsed) };
}

function targetGroup(kind: 'handover' | 'rollback', title: string, bars: readonly TimelineBar[]): TimelineGroup {
  const lanes = [...groupBy(bars, (b) => b.target)].map(([target, own]): TimelineLane => ({ key: `${kind}:${target}`, label: target, bars: byTime(own) }));
  lanes.sort((a, b) => firstTime(a) - firstTime(b));
  return { key: kind, kind, title, lanes, collapsed: false };
}

function groupBy(bars: readonly TimelineBar[], keyOf: (bar: TimelineBar) => string): Map<string, TimelineBar[]> {
  const groups = new Map<string, TimelineBar[]>();
  for (const bar of bars) {
    const group = groups.get(keyOf(bar));
    if (group) group.push(bar);
    else groups.set(keyOf(bar), [bar]);
  }
  return groups;
}

/** Stable: checkpoints that began together keep their stored (sort key) order. */
function byTime(bars: readonly TimelineBar[]): TimelineBar[] {
  return [...bars].sort((a, b) => a.startMs - b.startMs);
}

function isCollapsed(lane: TimelineLane): boolean {
  return lane.bars.some((b) => b.count > 1);
}

function firstTime(lane: TimelineLane): number {
  return Math.min(...lane.bars.map((b) => b.startMs));
}

function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

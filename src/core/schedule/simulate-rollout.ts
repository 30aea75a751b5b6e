import type { Manifest } from '../manifest/schema';
import { makespanBound, type StepDurations } from '../plan/makespan-bound';
import type { Plan } from '../plan/types';
import { progressAfterCanary } from './canary-progress';
import { servicesOut, type Claim } from './claim';
import { nextClaims } from './next-claims';
import { rolloutModel, type UNIT_STEP_DURATIONS } from './rollout-model';
import type { RolloutProgress } from './rollout-progress';
import type { ScheduleDecision } from './schedule-decision';
import { SimulationLivelockError } from './schedule-errors';
import type { TimelineEvent } from './timeline';

/** A step that fails in a simulated run (every other step succeeds). */
export type SimulatedFailure =
  /** A platform outage fails at `step` (`drain` or a platform step's name): the node stays out. */
  | { readonly kind: 'platform'; readonly node: string; readonly step: string }
  /** The update of `service`'s replica on `node` fails (in a platform outage or outside one). */
  | { readonly kind: 'replica'; readonly service: string; readonly node: string }
  | { readonly kind: 'one-off'; readonly service: string };

export interface SimulationOptions {
  readonly failures?: readonly SimulatedFailure[];
  /** Services that failed on the canary. @default none */
  readonly canaryFailedServices?: readonly string[];
  /** What the scheduler's priority rule weighs work with. @default the simulated durations */
  readonly priority?: StepDurations | typeof UNIT_STEP_DURATIONS;
}

export interface RolloutSimulation {
  /** pre-hooks + canary + rollout + post-hooks, seconds. */
  readonly makespanSeconds: number;
  /** The phases; all but the rollout are sums of their steps (makespan-bound.ts), the rollout is simulated. */
  readonly phases: { readonly preHooks: number; readonly canary: number; readonly rollout: number; readonly postHooks: number };
  /** The rollout's events, `at` in seconds from its start. */
  readonly timeline: readonly TimelineEvent[];
  /** Long-running service → the most of its replicas out at once during the rollout (failed ones included). */
  readonly peakOut: Readonly<Record<string, number>>;
  /** The progress at the end, and the scheduler's last decision (what was skipped or blocked, and why). */
  readonly progress: RolloutProgress;
  readonly final: ScheduleDecision;
  readonly decisions: number;
}

interface Step {
  readonly name: string;
  readonly seconds: number;
  readonly service?: string;
}

interface Activity {
  readonly claim: Claim;
  readonly steps: Step[];
  index: number;
  endsAt: number;
  /** Services updated and checked in this platform outage: done once the node is back. */
  readonly passed: string[];
}

/**
 * Runs the scheduler (next-claims.ts) over a simulated clock in which every step takes exactly its duration and
 * the control plane is free: each time work ends, the scheduler is asked for the next claims, given the
 * progress and the claims in force. Pure: the same inputs give the same run. A step missing from `durations`
 * takes 0 s. A platform outage runs drain, the platform steps, its carried updates (update, check), rejoin and
 * one health check; a replica update runs update and check; a one-off its run.
 */
export function simulateRollout(manifest: Manifest, plan: Plan, durations: StepDurations, options: SimulationOptions = {}): RolloutSimulation {
  const model = rolloutModel(manifest, plan, options.priority ?? durations);
  const of = (table: Readonly<Record<string, number>> | undefined, name: string) => table?.[name] ?? 0;
  const health = durations.health ?? 0;
  const start = progressAfterCanary(manifest, plan, { failedServices: options.canaryFailedServices ?? [] });
  const platformDone = [...start.platformDone];
  const failedNodes: string[] = [];
  const replicasDone = new Map(Object.entries(start.replicasDone).map(([s, n]) => [s, [...n]]));
  const replicasFailed = new Map(Object.entries(start.replicasFailed).map(([s, n]) => [s, [...n]]));
  const servicesFailed = new Set(start.servicesFailed);
  const oneOffsRan = [...start.oneOffsRan];
  const progress = (): RolloutProgress => ({
    platformDone: [...platformDone],
    failedNodes: [...failedNodes],
    replicasDone: Object.fromEntries(replicasDone),
    replicasFailed: Object.fromEntries(replicasFailed),
    servicesFailed: [...servicesFailed],
    oneOffsRan: [...oneOffsRan],
  });
  const push = (map: Map<string, string[]>, key: string, value: string) => map.set(key, [...(map.get(key) ?? []), value]);

  const failures = options.failures ?? [];
  const fails = (claim: Claim, step: Step): boolean =>
    failures.some((f) =>
      f.kind === 'platform'
        ? claim.kind === 'platform' && f.node === claim.node && (step.name === 'drain' ? f.step === 'drain' : step.name === `platform-${f.step}`)
        : f.kind === 'replica'
          ? step.name === `update-${f.service}` && f.node === claim.node
          : step.name === `run-${f.service}`,
    );

  const out = new Map<string, Set<string>>();
  const peak: Record<string, number> = {};
  const mark = (service: string, node: string, isOut: boolean) => {
    const nodes = out.get(service) ?? new Set<string>();
    if (isOut) nodes.add(node);
    else nodes.delete(node);
    out.set(service, nodes);
    peak[service] = Math.max(peak[service] ?? 0, nodes.size);
  };
  for (const [service, nodes] of replicasFailed) for (const node of nodes) mark(service, node, true);

  const stepsOf = (claim: Claim): Step[] => {
    const update = (service: string): Step[] => [
      { name: `update-${service}`, seconds: of(durations.service, service), service },
      { name: `health-${service}`, seconds: health, service },
    ];
    if (claim.kind === 'replica') return update(claim.service);
    if (claim.kind === 'one-off') return [{ name: `run-${claim.service}`, seconds: of(durations.service, claim.service), service: claim.service }];
    return [
      { name: 'drain', seconds: durations.drain ?? 0 },
      ...manifest.platform.map((p) => ({ name: `platform-${p.name}`, seconds: of(durations.platform, p.name) })),
      ...claim.updates.flatMap(update),
      { name: 'rejoin', seconds: durations.rejoin ?? 0 },
      { name: 'health', seconds: health },
    ];
  };

  const timeline: TimelineEvent[] = [];
  let running: Activity[] = [];
  let now = 0;
  let decisions = 0;
  const limit = 1000 + 20 * (model.platformNodes.length * (manifest.platform.length + 4) + [...model.replicas.values()].reduce((s, r) => s + r.length, 0) * 3 + model.oneOffs.size);

  const begin = (activity: Activity) => {
    const step = activity.steps[activity.index]!;
    activity.endsAt = now + step.seconds;
    timeline.push({ at: now, kind: 'step-start', node: activity.claim.node, step: step.name, ...(step.service ? { service: step.service } : {}) });
  };
  const release = (activity: Activity, back: readonly string[]) => {
    for (const service of back) mark(service, activity.claim.node, false);
    timeline.push({ at: now, kind: 'release', node: activity.claim.node, back });
    running = running.filter((a) => a !== activity);
  };
  /** The current step of `activity` ended at `now`: record it, then start the next step or end the claim. */
  const finish = (activity: Activity) => {
    const { claim } = activity;
    const step = activity.steps[activity.index]!;
    const ok = !fails(claim, step);
    timeline.push({ at: now, kind: 'step-end', node: claim.node, step: step.name, ...(step.service ? { service: step.service } : {}), ok });
    if (!ok && claim.kind === 'platform' && step.service === undefined) {
      failedNodes.push(claim.node);
      timeline.push({ at: now, kind: 'node-failed', node: claim.node, step: step.name });
      running = running.filter((a) => a !== activity);
      return;
    }
    if (!ok) {
      servicesFailed.add(step.service!);
      if (claim.kind !== 'one-off') push(replicasFailed, step.service!, claim.node);
      timeline.push({ at: now, kind: 'service-failed', node: claim.node, service: step.service! });
    }
    let next = activity.index + 1;
    if (claim.kind === 'platform') {
      if (!ok) next += 1; // the check of an update that failed
      else if (step.name.startsWith('health-')) activity.passed.push(step.service!);
      // A carried update of a service that failed elsewhere meanwhile is not started.
      while (activity.steps[next]?.name.startsWith('update-') && servicesFailed.has(activity.steps[next]!.service!)) next += 2;
    }
    // A platform outage goes on past a carried update that failed; a replica update or a one-off ends with it.
    if (next < activity.steps.length && (ok || claim.kind === 'platform')) {
      activity.index = next;
      begin(activity);
      return;
    }
    if (claim.kind === 'platform') {
      platformDone.push(claim.node);
      for (const service of activity.passed) push(replicasDone, service, claim.node);
      release(activity, claim.out.filter((s) => !(replicasFailed.get(s) ?? []).includes(claim.node)));
    } else if (claim.kind === 'replica') {
      if (ok) push(replicasDone, claim.service, claim.node);
      release(activity, ok ? [claim.service] : []);
    } else {
      if (ok) oneOffsRan.push(claim.service);
      release(activity, []);
    }
  };

  let final: ScheduleDecision;
  for (;;) {
    decisions += 1;
    if (decisions > limit) throw new SimulationLivelockError(decisions);
    final = nextClaims(model, progress(), running.map((a) => a.claim));
    for (const claim of final.claims) {
      timeline.push({ at: now, kind: 'claim', node: claim.node, claim });
      for (const service of servicesOut(claim)) mark(service, claim.node, true);
      const activity: Activity = { claim, steps: stepsOf(claim), index: 0, endsAt: now, passed: [] };
      running.push(activity);
      begin(activity);
    }
    if (running.length === 0) break;
    now = Math.min(...running.map((a) => a.endsAt));
    for (const activity of running.filter((a) => a.endsAt <= now)) finish(activity);
  }

  const bound = makespanBound(manifest, plan, durations);
  const phases = { preHooks: bound.preHooks.seconds, canary: bound.canary.seconds, rollout: now, postHooks: bound.postHooks.seconds };
  return {
    makespanSeconds: phases.preHooks + phases.canary + phases.rollout + phases.postHooks,
    phases,
    timeline,
    peakOut: peak,
    progress: progress(),
    final,
    decisions,
  };
}

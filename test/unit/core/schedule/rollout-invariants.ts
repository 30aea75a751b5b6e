import { buildServiceGraph, descendants } from '../../../../src/core/dag/service-graph';
import type { Manifest } from '../../../../src/core/manifest/schema';
import type { Plan } from '../../../../src/core/plan/types';
import { progressAfterCanary, servicesOut, type Claim, type RolloutSimulation } from '../../../../src/core/schedule';

/**
 * Everything a simulated rollout must respect, checked from its timeline alone (not from the scheduler's own
 * bookkeeping): returns the violations, empty when the run is correct.
 */
export function rolloutViolations(manifest: Manifest, plan: Plan, run: RolloutSimulation, canaryFailedServices: readonly string[] = []): string[] {
  const violations: string[] = [];
  const graph = buildServiceGraph(manifest.services);
  const oneOff = new Set(manifest.services.filter((s) => s.oneOff).map((s) => s.name));
  const unhealthy = new Set(plan.unhealthyNodes);
  const replicasOf = (s: string) => (plan.placement[s] ?? []).filter((n) => !unhealthy.has(n));
  const hostedOn = (node: string) => Object.keys(plan.placement).filter((s) => replicasOf(s).includes(node));
  const budget = (s: string) => plan.outageBudget[s] ?? 0;
  const start = progressAfterCanary(manifest, plan, { failedServices: canaryFailedServices });

  // State rebuilt from the events.
  const holder = new Map<string, Claim>();
  const failedNodes = new Set<string>();
  const out = new Map<string, Set<string>>();
  const permanentlyOut = new Map<string, Set<string>>();
  const addTo = (map: Map<string, Set<string>>, s: string, n: string) => map.set(s, (map.get(s) ?? new Set()).add(n));
  for (const [s, nodes] of Object.entries(start.replicasFailed)) {
    for (const n of nodes) {
      addTo(out, s, n);
      addTo(permanentlyOut, s, n);
    }
  }
  const done = new Map<string, Set<string>>(Object.entries(start.replicasDone).map(([s, n]) => [s, new Set(n)]));
  const ran = new Set(start.oneOffsRan);
  const failedServices = new Set(canaryFailedServices);
  const updates = new Map<string, number>();
  const platformClaims = new Map<string, number>();
  const passedInOutage = new Map<string, string[]>();
  let inFlight = 0;
  const isDone = (s: string) => (oneOff.has(s) ? ran.has(s) : replicasOf(s).every((n) => done.get(s)?.has(n)));

  for (const event of run.timeline) {
    const at = `at ${event.at} s on ${event.node}`;
    switch (event.kind) {
      case 'claim': {
        const { claim } = event;
        if (holder.has(claim.node) || failedNodes.has(claim.node)) violations.push(`${at}: a second actor (${claim.kind}) on the node`);
        holder.set(claim.node, claim);
        if (claim.kind === 'platform') {
          inFlight += 1;
          platformClaims.set(claim.node, (platformClaims.get(claim.node) ?? 0) + 1);
          if (inFlight > plan.maxInFlight) violations.push(`${at}: ${inFlight} platform outages at once, maxInFlight ${plan.maxInFlight}`);
          const hosted = hostedOn(claim.node).sort();
          if (JSON.stringify([...claim.out].sort()) !== JSON.stringify(hosted)) violations.push(`${at}: the outage takes out ${claim.out.join(',')}, the node hosts ${hosted.join(',')}`);
        }
        for (const s of servicesOut(claim)) {
          addTo(out, s, claim.node);
          if (out.get(s)!.size > budget(s)) violations.push(`${at}: ${out.get(s)!.size} replicas of ${s} out, budget ${budget(s)}`);
        }
        break;
      }
      case 'step-start': {
        const s = event.service;
        if (s === undefined || !(event.step.startsWith('update-') || event.step.startsWith('run-'))) break;
        const key = `${s}@${event.node}`;
        updates.set(key, (updates.get(key) ?? 0) + 1);
        if (updates.get(key)! > 1) violations.push(`${at}: ${s} updated a second time there`);
        if (oneOff.has(s) ? ran.has(s) : (done.get(s)?.has(event.node) ?? false)) violations.push(`${at}: ${s} run or updated there although it was done`);
        for (const d of graph.dependencies.get(s) ?? []) if (!isDone(d)) violations.push(`${at}: ${s} started before its dependency ${d} was done`);
        break;
      }
      case 'step-end': {
        const claim = holder.get(event.node);
        if (event.ok && claim?.kind === 'platform' && event.step.startsWith('health-')) passedInOutage.set(event.node, [...(passedInOutage.get(event.node) ?? []), event.service!]);
        if (event.ok && claim?.kind === 'replica' && event.step.startsWith('health-')) addTo(done, event.service!, event.node);
        if (event.ok && claim?.kind === 'one-off') ran.add(event.service!);
        break;
      }
      case 'service-failed':
        failedServices.add(event.service);
        if (!oneOff.has(event.service)) addTo(permanentlyOut, event.service, event.node);
        break;
      case 'node-failed':
        failedNodes.add(event.node);
        if (holder.get(event.node)?.kind === 'platform') inFlight -= 1;
        for (const s of hostedOn(event.node)) addTo(permanentlyOut, s, event.node);
        break;
      case 'release': {
        const claim = holder.get(event.node);
        if (!claim) {
          violations.push(`${at}: released without a claim`);
          break;
        }
        for (const s of event.back) {
          if (!servicesOut(claim).includes(s)) violations.push(`${at}: brings back ${s}, which the claim did not take out`);
          out.get(s)?.delete(event.node);
        }
        for (const s of servicesOut(claim)) if (!event.back.includes(s) && !permanentlyOut.get(s)?.has(event.node)) violations.push(`${at}: ${s} left out after a release although it did not fail`);
        if (claim.kind === 'platform') {
          inFlight -= 1;
          for (const s of passedInOutage.get(event.node) ?? []) addTo(done, s, event.node);
        }
        holder.delete(event.node);
        break;
      }
    }
  }
  if (holder.size > failedNodes.size) violations.push(`claims still held at the end: ${[...holder.keys()].filter((n) => !failedNodes.has(n)).join(', ')}`);

  // The outcome: failed and blocked services, exactly their dependents skipped, everything else updated.
  const blocked = new Map(run.final.blocked.flatMap((b) => (b.kind === 'service' ? [[b.service, b.reason] as const] : [])));
  const blockedNodes = new Map(run.final.blocked.flatMap((b) => (b.kind === 'node' ? [[b.node, b.reason] as const] : [])));
  const skipped = new Set(run.final.skipped.map((s) => s.service));
  const roots = new Set([...failedServices, ...blocked.keys()]);
  const expectedSkipped = new Set([...roots].flatMap((r) => [...descendants(graph, r)]).filter((s) => !roots.has(s)));
  if (JSON.stringify([...skipped].sort()) !== JSON.stringify([...expectedSkipped].sort())) violations.push(`skipped ${[...skipped].sort()} but the dependents of ${[...roots].sort()} are ${[...expectedSkipped].sort()}`);
  if ([...failedServices].some((s) => blocked.has(s))) violations.push('a service is both failed and blocked');
  if (JSON.stringify([...failedServices].sort()) !== JSON.stringify([...run.progress.servicesFailed].sort())) violations.push(`failed services ${[...run.progress.servicesFailed].sort()}, the timeline shows ${[...failedServices].sort()}`);
  for (const [s, reason] of blocked) {
    const left = replicasOf(s).filter((n) => !done.get(s)?.has(n));
    const legitimate = oneOff.has(s) ? failedNodes.has(plan.oneOffNodes[s]!) : left.some((n) => failedNodes.has(n)) || (left.length > 0 && (permanentlyOut.get(s)?.size ?? 0) >= budget(s));
    if (!legitimate) violations.push(`${s} blocked without cause: ${reason}`);
  }
  for (const service of manifest.services) {
    const s = service.name;
    if (roots.has(s) || skipped.has(s)) continue;
    if (!isDone(s)) violations.push(`${s} neither updated everywhere, nor failed, blocked or skipped`);
  }
  const platformNodes = plan.waves.flat().filter((n) => !unhealthy.has(n) && n !== plan.canary);
  for (const node of platformNodes) {
    const claims = platformClaims.get(node) ?? 0;
    if (failedNodes.has(node)) continue;
    if (blockedNodes.has(node)) {
      const legitimate = hostedOn(node).some((s) => !permanentlyOut.get(s)?.has(node) && (permanentlyOut.get(s)?.size ?? 0) >= budget(s));
      if (!legitimate) violations.push(`${node} blocked without cause: ${blockedNodes.get(node)}`);
      if (claims > 0) violations.push(`${node} blocked but got a platform outage`);
    } else if (claims !== 1 || !run.progress.platformDone.includes(node)) violations.push(`${node} got ${claims} platform outages`);
  }
  for (const node of [...unhealthy, plan.canary]) if (platformClaims.has(node)) violations.push(`${node} (unhealthy or the canary) got a platform outage`);
  return violations;
}

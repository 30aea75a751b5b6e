import type { Claim } from './claim';
import { servicesOut } from './claim';
import type { RolloutModel } from './rollout-model';
import type { RolloutProgress } from './rollout-progress';
import type { Blocked, ScheduleDecision } from './schedule-decision';
import { SchedulerStalledError } from './schedule-errors';

type ServiceStatus = 'done' | 'failed' | 'skipped' | 'blocked' | 'waiting' | 'ready';

interface CandidateGroup {
  /** Seconds of work that must still follow this work on its branch: the larger, the sooner (see below). */
  readonly priority: number;
  /** Tie-breaks, compared in order, smaller first. */
  readonly ties: readonly number[];
  /** Takes the group's claims that still fit, in the group's own order. */
  readonly take: () => void;
}

/**
 * The one scheduler of node outages in the rollout: from the progress so far and the claims in force, the next
 * claims for both kinds of work — platform outages (carrying the updates of the node's services that are ready)
 * and service work outside them (replica updates, one-offs). Pure and deterministic: the same inputs give the
 * same decision, so a rerun decides what the first run did.
 *
 * Rules, each exact at every moment (the claims in force plus the new ones):
 * - one actor per node: a node with a claim in force, or a failed node, gets no new claim;
 * - at most `plan.maxInFlight` platform outages at once;
 * - per long-running service, the replicas out — its replicas on nodes in a platform outage, its replica
 *   updates, failed nodes hosting it and its failed replicas (those two stay out) — never exceed
 *   `plan.outageBudget` (replicas − minHealthy − unhealthy, so unhealthy replicas are already counted);
 * - DAG order without level barriers: a service is ready when each of its dependencies is done (every replica on
 *   a healthy node updated and checked; a one-off ran), and only a ready service is updated — outside an outage,
 *   or carried by its node's platform outage (updated after the platform steps, before the rejoin, so that
 *   replica is not taken out a second time);
 * - a failed service skips its dependents only; a failed node stays out, and the services with a replica left
 *   on it are blocked (their dependents skipped); work that a failure makes impossible in this run (a budget
 *   filled by failed replicas, a budget of 0) is reported blocked with the reason, never waited for.
 *
 * Priority — critical path first. Every candidate gets the seconds of work that must still follow it on its
 * branch (by the model's weights):
 * - a platform outage: the platform branch left, ⌈nodes not started / maxInFlight⌉ × one outage;
 * - a replica update of service s: s's own rounds left, ⌈replicas not started / budget⌉ × (update + check),
 *   plus the longest chain of its dependents' rounds (`weights.chain`); a one-off: its run plus that chain.
 * Candidates are taken greedily, largest first, whenever they fit with what is already taken. So whichever
 * branch is longer gets the contended nodes and budget slots first, and that changes as work gets done (a long
 * service chain goes first at the start, the platform waves once they are what is left). While the platform
 * branch is the longer one, an outage that other nodes wait behind carries only the updates whose service could
 * not be updated beside the waves anyway (budget ≤ maxInFlight), and once its places are full the free nodes it
 * takes next (up to maxInFlight) get no service work: either would hold a platform place, or the next wave's
 * node, for service work that can run elsewhere. Ties: platform
 * outages first (their places are the scarcest), then one-offs, then replica updates; among outages, the node
 * whose outage carries the least update time (a short outage keeps the waves moving and leaves ready services to
 * free nodes, where they do not wait for a platform), then wave order; among replicas, DAG order, then a node
 * whose platform is done (that update is the replica's last outage), then wave order.
 */
export function nextClaims(model: RolloutModel, progress: RolloutProgress, inForce: readonly Claim[]): ScheduleDecision {
  const { plan, graph, weights } = model;
  const failedNodes = new Set(progress.failedNodes);
  const platformDone = new Set(progress.platformDone);
  const replicasDone = new Map(Object.entries(progress.replicasDone).map(([s, nodes]) => [s, asSet(nodes)]));
  const servicesFailed = new Set(progress.servicesFailed);
  for (const [service, nodes] of Object.entries(progress.replicasFailed)) if (nodes.length > 0) servicesFailed.add(service);
  const oneOffsRan = new Set(progress.oneOffsRan);
  const budget = (service: string) => plan.outageBudget[service] ?? 0;
  const isReplicaDone = (service: string, node: string) => replicasDone.get(service)?.has(node) ?? false;

  // Replicas out that stay out in this run (failed nodes, failed replicas), then what the claims in force add.
  const out = new Map<string, Set<string>>(model.order.filter((s) => !model.oneOffs.has(s)).map((s) => [s, new Set<string>()]));
  for (const node of failedNodes) for (const service of model.hosted.get(node) ?? []) out.get(service)?.add(node);
  for (const [service, nodes] of Object.entries(progress.replicasFailed)) for (const node of nodes) if (model.replicas.get(service)?.includes(node)) out.get(service)?.add(node);
  const permanentlyOut = new Map([...out].map(([s, nodes]) => [s, new Set(nodes)]));
  const busy = new Set(failedNodes);
  const inPlatform = new Set<string>();
  for (const claim of inForce) {
    busy.add(claim.node);
    if (claim.kind === 'platform') inPlatform.add(claim.node);
    for (const service of servicesOut(claim)) out.get(service)?.add(claim.node);
  }

  // Services in topological order: each status depends only on its dependencies' (already decided).
  const status = new Map<string, ServiceStatus>();
  const skippedBecause = new Map<string, string>();
  const skipped: { service: string; because: string }[] = [];
  const blocked: Blocked[] = [];
  for (const service of model.order) {
    const dependencies = graph.dependencies.get(service) ?? [];
    const root = dependencies.find((d) => ['failed', 'skipped', 'blocked'].includes(status.get(d)!));
    if (servicesFailed.has(service)) status.set(service, 'failed');
    else if (root !== undefined) {
      const because = skippedBecause.get(root) ?? root;
      status.set(service, 'skipped');
      skippedBecause.set(service, because);
      skipped.push({ service, because });
    } else if (model.oneOffs.has(service) ? oneOffsRan.has(service) : everyReplicaDone(model, service, progress.replicasDone[service])) status.set(service, 'done');
    else {
      const reason = serviceBlockedReason(service);
      if (reason !== undefined) {
        status.set(service, 'blocked');
        blocked.push({ kind: 'service', service, reason });
      } else status.set(service, dependencies.every((d) => status.get(d) === 'done') ? 'ready' : 'waiting');
    }
  }

  function serviceBlockedReason(service: string): string | undefined {
    if (model.oneOffs.has(service)) {
      const node = plan.oneOffNodes[service];
      return node !== undefined && failedNodes.has(node) ? `its node ${node} failed` : undefined;
    }
    const left = (model.replicas.get(service) ?? []).filter((n) => !isReplicaDone(service, n));
    const onFailed = left.filter((n) => failedNodes.has(n));
    if (onFailed.length > 0) return `its replica${onFailed.length === 1 ? ' is' : 's are'} on failed node${onFailed.length === 1 ? '' : 's'} ${onFailed.join(', ')}`;
    return budgetExhausted(service);
  }

  /** Why no further replica of `service` can ever be taken out in this run, if so. */
  function budgetExhausted(service: string): string | undefined {
    const stuck = permanentlyOut.get(service)!;
    if (stuck.size < budget(service)) return undefined;
    if (budget(service) === 0) return `${service} has an outage budget of 0 (minHealthy leaves no replica to take out)`;
    return `${service} is at its outage budget (${budget(service)}) with failed replicas out on ${[...stuck].sort().join(', ')}`;
  }

  // Platform nodes left; those a failure keeps from ever being taken out are blocked.
  const exhausted = new Map<string, string>();
  for (const service of permanentlyOut.keys()) {
    const reason = budgetExhausted(service);
    if (reason !== undefined) exhausted.set(service, reason);
  }
  const nodesLeft: string[] = [];
  for (const node of model.platformNodes) {
    if (platformDone.has(node) || failedNodes.has(node)) continue;
    const reasons: string[] = [];
    if (exhausted.size > 0) for (const s of model.hosted.get(node) ?? []) if (exhausted.has(s) && !permanentlyOut.get(s)!.has(node)) reasons.push(exhausted.get(s)!);
    if (plan.maxInFlight < 1) reasons.push('maxInFlight is 0');
    if (reasons.length > 0) blocked.push({ kind: 'node', node, reason: reasons.join('; ') });
    else nodesLeft.push(node);
  }

  // Candidates come in groups that share a priority: the platform outages, each one-off, each ready service's
  // replicas. Groups are taken largest priority first (ties as described above); within a group, claims are
  // taken in the group's own order while they fit. A group's node list is built only when its turn comes, and
  // only if anything in it can still fit, so a decision costs little when the places are full.
  const claims: Claim[] = [];
  let platformsInFlight = inPlatform.size;
  const fits = (service: string, node: string) => out.get(service)!.has(node) || out.get(service)!.size < budget(service);
  const take = (claim: Claim) => {
    claims.push(claim);
    busy.add(claim.node);
    if (claim.kind === 'platform') platformsInFlight += 1;
    for (const service of servicesOut(claim)) out.get(service)!.add(claim.node);
  };
  const rank = (node: string) => model.nodeRank.get(node) ?? 0;
  const groups: CandidateGroup[] = [];
  const notStarted = nodesLeft.filter((n) => !inPlatform.has(n));
  // The largest priority of the service work (set once the groups are built): the platform branch is critical
  // while its own priority is larger.
  let servicePriority = 0;
  if (notStarted.length > 0) {
    const slots = Math.max(1, plan.maxInFlight);
    const platformPriority = Math.ceil(notStarted.length / slots) * weights.outage;
    groups.push({
      priority: platformPriority,
      ties: [0],
      take: () => {
        if (platformsInFlight >= plan.maxInFlight) return;
        const options = notStarted
          .filter((node) => !busy.has(node))
          .map((node) => {
            const hosted = model.hosted.get(node) ?? [];
            const updates = hosted.filter((s) => status.get(s) === 'ready' && !isReplicaDone(s, node));
            return { node, hosted, updates, carried: updates.reduce((sum, s) => sum + weights.work.get(s)!, 0) };
          })
          .sort((a, b) => a.carried - b.carried || rank(a.node) - rank(b.node));
        let started = 0;
        for (const option of options) {
          if (platformsInFlight >= plan.maxInFlight) break;
          if (!option.hosted.every((s) => fits(s, option.node))) continue;
          // Nodes that still wait for a platform place once this outage has one: they wait for this outage too.
          const after = notStarted.length - started - 1;
          const waitBehind = after > plan.maxInFlight - platformsInFlight - 1;
          const critical = weights.outage + option.carried + Math.ceil(after / slots) * weights.outage > servicePriority;
          // An update carried by an outage others wait behind lengthens the platform branch; while that branch is
          // the critical one it is carried only if its service could not be updated beside the waves anyway (a
          // budget of at most maxInFlight, which the waves' own outages can fill), else it gets an outage of its own.
          const updates = waitBehind && critical ? option.updates.filter((s) => budget(s) <= plan.maxInFlight) : option.updates;
          take({ kind: 'platform', node: option.node, out: option.hosted, updates });
          started += 1;
        }
        // While the platform branch is critical and its places are full, the free nodes it takes next are kept
        // for it: service work started there now would hold them when a place frees up and delay the next wave.
        if (platformsInFlight >= plan.maxInFlight && platformPriority > servicePriority) {
          const reserved = options.filter((o) => !busy.has(o.node)).slice(0, plan.maxInFlight);
          for (const { node } of reserved) busy.add(node);
        }
      },
    });
  }
  model.order.forEach((service, position) => {
    if (status.get(service) !== 'ready') return;
    const chain = weights.chain.get(service)!;
    if (model.oneOffs.has(service)) {
      const node = plan.oneOffNodes[service]!;
      groups.push({ priority: weights.work.get(service)! + chain, ties: [1, position], take: () => (busy.has(node) ? undefined : take({ kind: 'one-off', node, service })) });
      return;
    }
    // A service at its budget can take nothing now: its group would have no effect on any other.
    if (out.get(service)!.size >= budget(service)) return;
    const left = (model.replicas.get(service) ?? []).filter((n) => !isReplicaDone(service, n) && !out.get(service)!.has(n));
    if (left.length === 0) return;
    groups.push({
      priority: Math.ceil(left.length / Math.max(1, budget(service))) * weights.work.get(service)! + chain,
      ties: [2, position],
      take: () => {
        if (out.get(service)!.size >= budget(service)) return;
        const options = left.filter((n) => !busy.has(n)).sort((a, b) => Number(!platformDone.has(a)) - Number(!platformDone.has(b)) || rank(a) - rank(b));
        for (const node of options) {
          if (out.get(service)!.size >= budget(service)) return;
          take({ kind: 'replica', node, service });
        }
      },
    });
  });
  // Every group but the platform's (the one with first tie 0) is service work.
  for (const group of groups) if (group.ties[0] !== 0) servicePriority = Math.max(servicePriority, group.priority);
  groups.sort(byPriority);
  for (const group of groups) group.take();

  const finished = inForce.length === 0 && claims.length === 0;
  if (finished) {
    const services = model.order.filter((s) => status.get(s) === 'ready' || status.get(s) === 'waiting');
    if (services.length > 0 || nodesLeft.length > 0) throw new SchedulerStalledError(services, nodesLeft);
  }
  return { claims, skipped, blocked, finished };
}

/**
 * The nodes of a progress list as a set, cached by the list's identity: a caller passes the same (readonly) list
 * again while it has not changed, so a decision converts only what changed since the last one.
 */
const setsOfLists = new WeakMap<readonly string[], ReadonlySet<string>>();
function asSet(list: readonly string[]): ReadonlySet<string> {
  let set = setsOfLists.get(list);
  if (set === undefined) {
    set = new Set(list);
    setsOfLists.set(list, set);
  }
  return set;
}

/** Whether `done` (a progress list, cached by identity like asSet) holds every replica of `service`. */
const coverage = new WeakMap<readonly string[], { readonly model: RolloutModel; readonly service: string; readonly all: boolean }>();
function everyReplicaDone(model: RolloutModel, service: string, done: readonly string[] | undefined): boolean {
  const replicas = model.replicas.get(service) ?? [];
  if (done === undefined) return replicas.length === 0;
  const known = coverage.get(done);
  if (known?.model === model && known.service === service) return known.all;
  const set = asSet(done);
  const all = replicas.every((n) => set.has(n));
  coverage.set(done, { model, service, all });
  return all;
}

function byPriority(a: CandidateGroup, b: CandidateGroup): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  for (let i = 0; i < Math.max(a.ties.length, b.ties.length); i += 1) {
    const d = (a.ties[i] ?? 0) - (b.ties[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

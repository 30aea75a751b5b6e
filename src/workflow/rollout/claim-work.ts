import type { Claim } from '../../core/schedule';
import { canaryStepName } from '../../core/workflow/canary-steps';
import { runStepOnNodes, type StepOnNodes, type StepOutcome } from '../run-step-on-nodes';
import { drainCommand, nodeHealthCommand, platformCommand, rejoinCommand, serviceCommand } from '../step-scripts';
import type { RolloutRun } from './rollout-run';

/** How a claim's work ended in this invocation: over (its claim given back or held out), or still running. */
export type WorkEnd = 'ended' | 'pending';

/**
 * Platform outages claimed together: drain and every platform step in order, sent to the nodes of the group as
 * one command per step; then each node on its own — the updates its outage carries, rejoin, and the health of
 * every service on it — and only a node that passed everything gives its claim back.
 *
 * The carried updates are the scheduler's (`claim.updates`, services ready when it made the claim, in DAG order),
 * less any that failed meanwhile, plus any an earlier invocation of this outage began (a claim picked up after a
 * crash carries no list). Their replicas are out already, so they cost no budget and no second outage; each
 * lengthens the outage, which is why the scheduler, not the worker, decides them. Each is checked with the node
 * after the rejoin, at the new release.
 *
 * A platform step, the rejoin or the check failing fails the node: it stays out, marked failed. A carried update
 * failing is that service's failure, not the node's: the node finishes its outage without it (no check of it),
 * gives back everything else, and keeps that one replica out, as a failed replica update does.
 */
export async function workPlatform(run: RolloutRun, claims: readonly Extract<Claim, { kind: 'platform' }>[]): Promise<Map<string, WorkEnd>> {
  const ends = new Map<string, WorkEnd>();
  let active = claims.map((c) => c.node);
  const updatesOf = new Map(claims.map((c) => [c.node, c.updates]));
  const steps = [
    { name: 'drain', command: drainCommand(run.manifest) },
    ...run.manifest.platform.map((p) => ({ name: `platform-${p.name}`, command: platformCommand(run.manifest, p.name) })),
  ];
  // No node is taken out once more nodes failed than allowed: a claim granted just before a failure became known
  // is given back undrained (the check is made with the drain's begin, see runStepOnNodes' mayBegin), and a
  // node's failure reaches the ledger before its checkpoint says FAILED.
  const mayDrain = () => run.ledger.nodesFailed().length <= run.manifest.policy.maxFailedNodes;
  for (const step of steps) {
    const expectedMs = await run.expectedOnCanary(step.name);
    const outcome = await onNodes(run, active, (n) => run.nodeKey(n, step.name), step.command, expectedMs, { onFailed: nodeFailureKnown(run), mayBegin: step.name === 'drain' ? mayDrain : undefined });
    if (outcome.pending.length > 0) {
      for (const node of active) ends.set(node, 'pending');
      return ends;
    }
    for (const node of outcome.notBegun ?? []) {
      await run.context.slots.release(run.platformClaim(node));
      ends.set(node, 'ended');
    }
    for (const failure of outcome.failed) {
      await nodeFailed(run, failure.node, failure.error);
      ends.set(failure.node, 'ended');
    }
    active = active.filter((n) => outcome.succeeded.includes(n));
  }
  await Promise.all(active.map(async (node) => ends.set(node, await finishOutage(run, node, updatesOf.get(node) ?? []))));
  return ends;
}

async function finishOutage(run: RolloutRun, node: string, updates: readonly string[]): Promise<WorkEnd> {
  const carried: string[] = [];
  let broken: { service: string; error: string } | undefined;
  const hosted = (run.model.hosted.get(node) ?? []).filter((name) => !run.ledger.isReplicaDone(name, node));
  // Read side by side: this sits between the last platform step and the rejoin, on the outage's critical path.
  const begunOf = new Map(await Promise.all(hosted.map(async (name) => [name, await run.context.checkpoints.get(run.serviceKey(name, `update-${node}`))] as const)));
  for (const name of hosted) {
    const key = run.serviceKey(name, `update-${node}`);
    const begun = begunOf.get(name);
    // An update begun by an earlier invocation of this outage is carried on; otherwise those the claim carries.
    const resumed = begun?.status === 'SUCCEEDED' || (begun?.status === 'RUNNING' && begun.fence === run.input.fence);
    if (!resumed && !(updates.includes(name) && !run.ledger.hasFailed(name))) continue;
    await run.serviceStarted(name);
    const outcome = await onNodes(run, [node], () => key, serviceCommand(run.service(name)), await run.expectedOnCanary(canaryStepName({ kind: 'service', service: name, oneOff: false })));
    if (outcome.pending.length > 0) return 'pending';
    if (outcome.failed.length > 0) {
      broken = { service: name, error: outcome.failed[0]!.error };
      run.ledger.replicaFailed(name, node);
      await run.serviceFailed(name, `on ${node}: ${broken.error}`);
      break;
    }
    carried.push(name);
  }
  const rejoined = await onNodes(run, [node], (n) => run.nodeKey(n, 'rejoin'), rejoinCommand(run.manifest), await run.expectedOnCanary('rejoin'), { onFailed: nodeFailureKnown(run) });
  if (rejoined.pending.length > 0) return 'pending';
  if (rejoined.failed.length > 0) return nodeFailed(run, node, rejoined.failed[0]!.error);
  const services = run.servicesOn(node).filter((s) => s.name !== broken?.service);
  if (services.length > 0) {
    const checked = await onNodes(run, [node], (n) => run.nodeKey(n, 'health'), nodeHealthCommand(services, { expectRelease: false, releaseOf: carried }), undefined, { onFailed: nodeFailureKnown(run) });
    if (checked.pending.length > 0) return 'pending';
    if (checked.failed.length > 0) return nodeFailed(run, node, checked.failed[0]!.error);
  }
  // The node's check covered each carried replica at the new release: that is each one's check.
  for (const name of carried) {
    await run.succeed(run.serviceKey(name, `health-${node}`), `checked with ${node} after its platform outage`);
    run.ledger.replicaDone(name, node);
  }
  await run.context.slots.release(run.platformClaim(node));
  await run.succeed(run.nodeKey(node, 'node'));
  run.ledger.nodeDone(node);
  if (broken) {
    // The failed replica stays out as a failed replica update's does: its own claim, marked failed.
    const claim = run.serviceClaim(broken.service, node);
    await run.context.slots.tryClaim(claim);
    await run.context.slots.markFailed(claim, broken.error);
    run.ledger.nodeHeldOut(node, `${node} is held out by its failed ${broken.service} replica (${broken.error})`);
  }
  await Promise.all(carried.map((name) => run.serviceProgressed(name)));
  return 'ended';
}

/**
 * Replica updates of one service claimed together: the update sent to them as one command, then each node's
 * check of every service on it (an update that broke a neighbour, a shared library or a port, is this replica's
 * failure). A replica that passed gives its claim back; one that failed stays out, marked failed, and fails the
 * service (the scheduler takes none of its replicas out any more, and skips its dependents).
 */
export async function workReplicas(run: RolloutRun, service: string, nodes: readonly string[]): Promise<Map<string, WorkEnd>> {
  const ends = new Map<string, WorkEnd>();
  await run.serviceStarted(service);
  const updated = await onNodes(
    run,
    nodes,
    (n) => run.serviceKey(service, `update-${n}`),
    serviceCommand(run.service(service)),
    await run.expectedOnCanary(canaryStepName({ kind: 'service', service, oneOff: false })),
  );
  if (updated.pending.length > 0) {
    for (const node of nodes) ends.set(node, 'pending');
    return ends;
  }
  const failures = new Map(updated.failed.map((f) => [f.node, f.error]));
  await Promise.all(
    updated.succeeded.map(async (node) => {
      const onNode = run.servicesOn(node);
      const checked = await onNodes(run, [node], (n) => run.serviceKey(service, `health-${n}`), { ...nodeHealthCommand(onNode, { expectRelease: false, releaseOf: service }), step: service });
      if (checked.pending.length > 0) ends.set(node, 'pending');
      for (const f of checked.failed) failures.set(f.node, f.error);
    }),
  );
  for (const node of nodes) {
    if (ends.get(node) === 'pending') continue;
    ends.set(node, 'ended');
    const error = failures.get(node);
    if (error === undefined) {
      await run.context.slots.release(run.serviceClaim(service, node));
      run.ledger.replicaDone(service, node);
    } else {
      await run.context.slots.markFailed(run.serviceClaim(service, node), error);
      run.ledger.replicaFailed(service, node);
      run.ledger.nodeHeldOut(node, `${node} is held out by its failed ${service} replica (${error})`);
    }
  }
  if (failures.size > 0) await run.serviceFailed(service, [...failures.values()].join('; '));
  else await run.serviceProgressed(service);
  return ends;
}

/** A one-off's run on its node. A failure fails the one-off (its dependents are skipped); it takes nothing out. */
export async function workOneOff(run: RolloutRun, service: string, node: string): Promise<WorkEnd> {
  await run.serviceStarted(service);
  const outcome = await onNodes(run, [node], (n) => run.serviceKey(service, `run-${n}`), serviceCommand(run.service(service)), await run.expectedOnCanary(canaryStepName({ kind: 'service', service, oneOff: true })));
  if (outcome.pending.length > 0) return 'pending';
  await run.context.slots.release(run.serviceClaim(service, node));
  if (outcome.failed.length > 0) {
    await run.serviceFailed(service, outcome.failed[0]!.error);
    return 'ended';
  }
  run.ledger.oneOffRan(service);
  await run.serviceProgressed(service);
  return 'ended';
}

function onNodes(
  run: RolloutRun,
  nodes: readonly string[],
  keyFor: (node: string) => ReturnType<RolloutRun['nodeKey']>,
  command: StepOnNodes['command'],
  expectedMs?: number,
  guards: Pick<StepOnNodes, 'mayBegin' | 'onFailed'> = {},
): Promise<StepOutcome> {
  if (nodes.length === 0) return Promise.resolve({ succeeded: [], failed: [], pending: [] });
  return runStepOnNodes(run.context, run.input, { nodes, keyFor, command, release: run.record.release, previous: run.record.previous, expectedMs, ...guards }, run.deadline);
}

/**
 * The node's platform outage failed: it stays out (claim marked failed) and counts against maxFailedNodes. The
 * scheduler's ledger hears of it first, before anything is written, so no claim is taken on the old count meanwhile.
 */
async function nodeFailed(run: RolloutRun, node: string, error: string): Promise<WorkEnd> {
  run.ledger.nodeFailed(node, error);
  await run.context.slots.markFailed(run.platformClaim(node), error);
  await run.settle(run.nodeKey(node, 'node'), 'FAILED', error);
  return 'ended';
}

/** A node's step failed: the ledger is told before the step's FAILED checkpoint is written (runStepOnNodes' onFailed). */
function nodeFailureKnown(run: RolloutRun): (node: string, error: string) => void {
  return (node, error) => run.ledger.nodeFailed(node, error);
}

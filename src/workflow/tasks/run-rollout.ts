import type { Claim, ScheduleDecision } from '../../core/schedule';
import { nextClaims, rolloutModel } from '../../core/schedule';
import { canaryStepDurations } from '../expected-duration';
import { loadUpdate } from '../load-update';
import { workOneOff, workPlatform, workReplicas, type WorkEnd } from '../rollout/claim-work';
import { measuredStepDurations } from '../rollout/measured-durations';
import { readRollout } from '../rollout/read-rollout';
import { RolloutRun } from '../rollout/rollout-run';
import { TooManyFailedNodesError } from '../workflow-errors';
import type { TaskInput, WorkflowContext } from '../workflow-context';

export interface RolloutOutcome {
  readonly done: boolean;
  readonly stopped: boolean;
}

/**
 * The rollout after the hand-over: platform outages of every node but the canary and the updates of every
 * service, scheduled together by the core's one scheduler (core/schedule/next-claims.ts), which keeps every
 * budget (maxInFlight, each service's outage budget) and the DAG order across nodes exact at every moment.
 *
 * One invocation works for up to its poll budget: it reads where the rollout is (read-rollout.ts), asks the
 * scheduler for the next claims, takes each in DynamoDB (the node mutex and the outage slots in one fenced
 * transaction: the database enforces the budgets as well, whatever the scheduler says), starts its work, and asks
 * again whenever some work has ended — so a node freed by one kind of work goes to whatever is most urgent, a
 * service starts as soon as its own dependencies are done, and a platform outage carries the updates of the
 * services on its node that are ready when the scheduler claims it. When the budget is spent it hands back to the poll loop with the
 * claims in force; the next invocation picks them up where their steps are.
 *
 * A graceful stop takes no new claim and lets the ones in force finish. Once more nodes failed than
 * `maxFailedNodes` allows, no new claim is taken either, and when the ones in force have ended the task fails
 * naming every failed node. What a failure makes impossible in this run is recorded: a skipped service SKIPPED
 * (naming the failed one), a blocked service FAILED and a blocked node SKIPPED, each with the reason.
 */
export async function runRollout(context: WorkflowContext, input: TaskInput): Promise<RolloutOutcome> {
  const deadline = Date.now() + context.settings.pollBudgetMs;
  const { record, plan } = await loadUpdate(context, input.updateId);
  const manifest = record.manifest;
  const expectedOnCanary = canaryStepDurations(context, input.updateId, plan.canary);
  const model = rolloutModel(manifest, plan, await measuredStepDurations(manifest, plan, expectedOnCanary));
  const { ledger, inForce: found } = await readRollout(context, input, plan, model);
  const run = new RolloutRun(context, input, record, plan, model, ledger, deadline, expectedOnCanary);

  for (const node of plan.waves.flat().filter((n) => plan.unhealthyNodes.includes(n))) {
    const key = run.nodeKey(node, 'node');
    if (!(await context.checkpoints.get(key))) await context.checkpoints.skip(key, run.guard, { reason: `${node} was unhealthy when the update was planned` });
  }

  const inForce = new Map<string, Claim>();
  const working = new Set<Promise<void>>();
  const failure: { error?: unknown } = {};
  let pending = false;
  const start = (claims: readonly Claim[]) => {
    for (const claim of claims) inForce.set(claim.node, claim);
    for (const [nodes, work] of grouped(run, claims)) {
      // Never rejects: an error (the lock lost, DynamoDB refusing) is kept, ends the loop, and is thrown below.
      const promise: Promise<void> = work()
        .then(
          (ends) => {
            for (const node of nodes) {
              if (ends.get(node) === 'pending') pending = true;
              else inForce.delete(node);
            }
          },
          (error: unknown) => void (failure.error ??= error),
        )
        .finally(() => working.delete(promise));
      working.add(promise);
    }
  };
  // Re-entered first (a claim of ours is granted again to the same holder): its steps re-attach, and a resume's
  // repairs go first.
  const reentered: Claim[] = [];
  for (const claim of found) if ((await context.slots.tryClaim(claimOf(run, claim))).granted) reentered.push(claim);
  start(reentered);

  const recorded = new Set<string>();
  let stopRequested = record.stopRequested === true;
  let lastRead = Date.now();
  for (;;) {
    if (Date.now() >= deadline || failure.error !== undefined) break;
    try {
      if (!stopRequested && Date.now() - lastRead >= context.settings.pollIntervalMs) {
        lastRead = Date.now();
        stopRequested = (await context.updates.require(input.updateId)).stopRequested === true;
      }
      const overBudget = ledger.nodesFailed().length > manifest.policy.maxFailedNodes;
      if (stopRequested || overBudget || pending) {
        // No new claim; when those in force have ended (or handed back), so has this invocation.
        if (working.size === 0) break;
      } else {
        const decision = nextClaims(model, ledger.snapshot(), [...inForce.values()]);
        await recordDecision(run, decision, recorded);
        if (decision.finished) break;
        const granted: Claim[] = [];
        for (const claim of decision.claims) {
          const result = await context.slots.tryClaim(claimOf(run, claim));
          if (result.granted) granted.push(claim);
          else if (result.blockedByFailure !== undefined) await heldOutByFailure(run, claim, result.blockedByFailure);
        }
        start(granted);
        if (granted.length > 0) continue;
      }
      await Promise.race([...working, sleep(context.settings.pollIntervalMs)]);
    } catch (error) {
      // The lock lost (a fenced claim refused), DynamoDB refusing: the work under way ends first (its writes are
      // fenced as well), then the error ends the invocation.
      failure.error ??= error;
    }
  }
  await Promise.all(working);
  if (failure.error !== undefined) throw failure.error;
  if (pending || inForce.size > 0 || (Date.now() >= deadline && !isFinished(run, inForce))) return { done: false, stopped: false };
  // Every service done is recorded so, also those no claim of this invocation touched (the one-offs the canary
  // ran, a service whose replicas were all done before a crash); a node a failure holds out is recorded SKIPPED
  // with the reason (its platform outage never began, or it finished and a failed replica keeps it out).
  for (const service of model.order) await run.serviceProgressed(service);
  for (const node of model.platformNodes) {
    const reason = ledger.heldOutReason(node);
    if (reason !== undefined && !ledger.isNodeDone(node)) await run.settle(run.nodeKey(node, 'node'), 'SKIPPED', `not taken out in this run: ${reason}`);
  }
  if (ledger.nodesFailed().length > manifest.policy.maxFailedNodes) throw new TooManyFailedNodesError(ledger.nodesFailed(), manifest.policy.maxFailedNodes, ledger.failedNodeErrors());
  if (stopRequested && !isFinished(run, inForce)) return { done: true, stopped: true };
  return { done: true, stopped: false };
}

/** The claims of one decision worked in groups: platform outages together, each service's replicas together. */
function grouped(run: RolloutRun, claims: readonly Claim[]): [readonly string[], () => Promise<Map<string, WorkEnd>>][] {
  const platform = claims.filter((c) => c.kind === 'platform');
  const replicas = new Map<string, string[]>();
  const groups: [readonly string[], () => Promise<Map<string, WorkEnd>>][] = [];
  for (const claim of claims) {
    if (claim.kind === 'replica') replicas.set(claim.service, [...(replicas.get(claim.service) ?? []), claim.node]);
    if (claim.kind === 'one-off') groups.push([[claim.node], async () => new Map([[claim.node, await workOneOff(run, claim.service, claim.node)]])]);
  }
  if (platform.length > 0) groups.push([platform.map((c) => c.node), () => workPlatform(run, platform)]);
  for (const [service, nodes] of replicas) groups.push([nodes, () => workReplicas(run, service, nodes)]);
  return groups;
}

function claimOf(run: RolloutRun, claim: Claim) {
  return claim.kind === 'platform' ? run.platformClaim(claim.node) : run.serviceClaim(claim.service, claim.node);
}

/** Whether the scheduler has nothing left: nothing in force and nothing more to claim. */
function isFinished(run: RolloutRun, inForce: ReadonlyMap<string, Claim>): boolean {
  return nextClaims(run.model, run.ledger.snapshot(), [...inForce.values()]).finished;
}

/** What the decision says cannot be done in this run, recorded once each per invocation. */
async function recordDecision(run: RolloutRun, decision: ScheduleDecision, recorded: Set<string>): Promise<void> {
  for (const { service, because } of decision.skipped) {
    if (recorded.has(`skip:${service}`)) continue;
    recorded.add(`skip:${service}`);
    await run.settle(run.serviceKey(service), 'SKIPPED', `skipped because ${because} failed`);
  }
  for (const blocked of decision.blocked) {
    const id = blocked.kind === 'node' ? `node:${blocked.node}` : `service:${blocked.service}`;
    if (recorded.has(id)) continue;
    recorded.add(id);
    if (blocked.kind === 'node') await run.settle(run.nodeKey(blocked.node, 'node'), 'SKIPPED', `not taken out in this run: ${blocked.reason}`);
    else await run.serviceFailed(blocked.service, `some replicas cannot be taken out in this run: ${blocked.reason}`);
  }
}

/**
 * DynamoDB refused a claim the scheduler made for a failure it holds (another holder's failed mark on the node,
 * failed replicas filling a budget): the node is out for this run, as the scheduler is told from now on.
 */
async function heldOutByFailure(run: RolloutRun, claim: Claim, reason: string): Promise<void> {
  run.ledger.nodeHeldOut(claim.node, reason);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

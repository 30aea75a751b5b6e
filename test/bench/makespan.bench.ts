import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients';
import { CheckpointStore, type CheckpointRecord } from '../../src/aws/store/checkpoint-store';
import { startUpdate } from '../../src/cli/operations/start-update';
import { waitForExecution } from '../../src/cli/operations/wait-for-execution';
import type { Target } from '../../src/cli/target';
import { buildServiceGraph } from '../../src/core/dag/service-graph';
import type { Manifest } from '../../src/core/manifest/schema';
import { makespanBound, stopTheWorldSeconds, type MakespanBound, type PhaseBound, type StepDurations } from '../../src/core/plan/makespan-bound';
import type { Plan } from '../../src/core/plan/types';
import { STEP_RUNNER_FILES } from '../../src/core/step-runner/step-runner-contract';
import { parseExecutionLog } from '../../src/core/step-runner/execution-log';
import { PACKAGE_ROOT } from '../../src/package-root';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/local-credentials';
import { LOCAL_POLL_BUDGET_SECONDS, LOCAL_POLL_INTERVAL_MS } from '../../src/local/local-poll-settings';
import { LocalRuntime } from '../../src/local/runtime';
import { synthesizeLocalTemplate } from '../../src/local/synthesize-local-template';
import { commandDocuments } from '../../src/local/template/command-documents';
import { ansibleMissing, runAnsiblePeer, type AnsibleRun } from './ansible-peer';
import type { BenchModule } from './bench-module';
import { durationsFromSleeps, fixedDurationManifest, PLATFORM_SECONDS, repeatedInventory, SERVICE_SECONDS } from '../fixtures/analytics-cluster';

/**
 * `npm run bench makespan`: how close the workflow comes to the fastest rollout its own rules allow.
 *
 * The fixed-duration manifest is examples/analytics-cluster/release-7.2.0.yaml with every platform step
 * `sleep 2`, every service update and one-off `sleep 3`, and the hooks, drain, rejoin and health checks as
 * they are (short `cu-node` calls and HTTP probes, counted as 0 s); canaryWatchSeconds 0. It runs on the
 * example's placement on 6 nodes and the same pattern repeated on 12 and 24 (node-7 hosts what node-1 hosts, …;
 * `MAKESPAN_SIZES=6` runs one size, `MAKESPAN_KEEP_RUN_DIR=1` keeps each run directory, `MAKESPAN_ANSIBLE=0` leaves the peer out). For each size:
 *
 * - the lower bound from the plan (`makespanBound`, src/core/plan/makespan-bound.ts, formula there):
 *   pre-hooks + canary chain + max(platform waves, service levels) + post-hooks, node work only — once with the
 *   fixed durations (the short steps at 0 s, as the issue states it), once with every step as long as it really
 *   took on the nodes (median per step from the step runner's execution log: drain, rejoin, checks and hooks are
 *   node work too);
 * - how many replica updates outside the canary were carried by their node's platform outage, and how many took
 *   their replica out a second time (from the nodes' execution logs);
 * - the update on the local runtime (real service processes, real Wait durations: no wait scaling, the
 *   default 20 s poll budget and 150 ms SSM polling), makespan = DescribeExecution stopDate − startDate,
 *   and each phase from its checkpoints (first startedAt → last endedAt); control-plane overhead per step on the
 *   critical path = (measured phase − its bound) / the bound's steps on that path; parent history events and
 *   state transitions (LocalStepFunctions.statistics);
 * - the same rollout by Ansible (ansible-peer.ts: `serial: maxInFlight`, connection local, the very step runner
 *   scripts on the same simulated nodes), timed in the same run, with its DAG violations: service updates (and
 *   one-offs) that started before every replica of one of their direct dependencies had finished (start = the
 *   step runner's lock file, end = its ledger entry, both written on the node). Skipped with a one-line reason
 *   when `ansible-playbook` is missing;
 * - the stop-the-world time, computed, not run: every node at once, max over nodes of the sum of its steps,
 *   with 0 % availability while it runs.
 *
 * Machine-readable results: bench-results/makespan.json.
 */
const SIZES = (process.env.MAKESPAN_SIZES ?? '6,12,24').split(',').map(Number);

export const makespanBench: BenchModule = {
  name: 'makespan',
  async run() {
    const manifest = fixedDurationManifest();
    const durations = durationsFromSleeps(manifest);
    const template = synthesizeLocalTemplate();
    const document = commandDocuments(template)[0]!.content;
    // MAKESPAN_ANSIBLE=0 leaves the peer out (a quicker look at the workflow alone).
    const missing = process.env.MAKESPAN_ANSIBLE === '0' ? 'Ansible peer left out (MAKESPAN_ANSIBLE=0)' : ansibleMissing();
    const rows = [];
    for (const nodes of SIZES) rows.push(await measure(manifest, durations, template, document, nodes, missing === undefined));
    const summary = rows.flatMap((r) => [
      `${String(r.nodes).padStart(3)} nodes: makespan ${r.makespanSeconds} s, bound ${r.bound.total.seconds} s, ratio ${r.ratio}; with the nodes' own step times ${r.boundWithNodeTimes} s, ratio ${r.ratioToNodeTimeBound} (stop-the-world ${r.stopTheWorldSeconds} s at 0 % availability)`,
      `           replica updates outside the canary: ${r.replicaUpdates.carried} carried by their node's platform outage, ${r.replicaUpdates.secondOutage} in an outage of their own`,
      `           phases (measured / bound, overhead per critical-path step): ${r.phases.map((p) => `${p.phase} ${p.measuredSeconds}/${p.boundSeconds} s, ${p.overheadPerStepSeconds ?? '–'} s × ${p.steps}`).join('; ')}`,
      `           load average ${r.loadAverageBefore} before, ${r.loadAfterUpdate} after (${cpus().length} CPUs); ${r.workflowStepsRun} steps ran on the nodes, Ansible ${r.ansible?.stepsRun ?? '–'}`,
      `           ${r.betweenPhasesSeconds} s outside the phases (lock, plan, hand-over, finalize); ${r.historyEvents} parent history events, ${r.childExecutions} wave children, ${r.stateTransitions} state transitions; DAG violations in the rollout ${r.workflowDagViolations}`,
      r.ansible
        ? `           Ansible (serial: ${r.maxInFlight}): ${r.ansible.seconds} s = ${r.ansible.ratioToBound}× the bound, ${r.ansible.ratioToWorkflow}× the workflow; ${r.ansible.dagViolations} DAG violations${r.ansible.exitCode === 0 ? '' : `; ansible-playbook exit ${r.ansible.exitCode} (see ${r.ansible.log})`}`
        : `           ${missing}`,
    ]);
    return {
      summary,
      data: {
        manifest: { base: 'examples/analytics-cluster/release-7.2.0.yaml', platformSeconds: PLATFORM_SECONDS, serviceSeconds: SERVICE_SECONDS, canaryWatchSeconds: 0, hooksDrainRejoinHealth: 'as in the example, counted as 0 s' },
        waitScale: 1,
        // What the runtime gave the handlers: its defaults, or an operator's setting from this run's environment.
        handlerEnvironment: Object.fromEntries(['POLL_BUDGET_SECONDS', 'POLL_INTERVAL_MS'].map((name) => [name, process.env[name] || String(name === 'POLL_INTERVAL_MS' ? LOCAL_POLL_INTERVAL_MS : LOCAL_POLL_BUDGET_SECONDS)])),
        ansible: missing ?? 'ran',
        rows,
      },
    };
  },
};

async function measure(manifest: Manifest, durations: StepDurations, template: ReturnType<typeof synthesizeLocalTemplate>, document: Parameters<typeof runAnsiblePeer>[0]['document'], nodeCount: number, withAnsible: boolean) {
  const inventory = repeatedInventory(nodeCount);
  const directory = mkdtempSync(join(tmpdir(), 'cu-bench-makespan-'));
  const runtime = await LocalRuntime.start({ runDirectory: directory, manifest, inventory, template });
  const clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: runtime.dynamodb.endpoint, ssm: runtime.ssm.endpoint, ec2: runtime.ec2.endpoint, stepfunctions: runtime.stepFunctions.endpoint } });
  const target: Target = { kind: 'local', clients, region: LOCAL_REGION, tableName: runtime.tableName, stateMachineArn: runtime.stateMachineArn, documentName: runtime.documentName };
  try {
    const updateId = `bench-makespan-${nodeCount}`;
    const loadAverageBefore = round(loadavg()[0]!, 2);
    const started = await startUpdate(target, { manifest, updateId });
    const execution = await waitForExecution(target, started.executionArn, undefined, 100);
    if (execution.status !== 'SUCCEEDED') throw new Error(`${nodeCount} nodes: ${execution.status} ${execution.error}: ${execution.cause}`);
    const plan = started.plan;
    const bound = makespanBound(manifest, plan, durations);
    const makespanSeconds = round((execution.stopDate!.getTime() - execution.startDate!.getTime()) / 1000);
    const checkpoints = await new CheckpointStore({ documents: clients.documents, tableName: runtime.tableName }).query(updateId);
    // Beside the nodes' execution logs, the control plane's side of every step: when it began, sent and saw the end.
    if (process.env.MAKESPAN_KEEP_RUN_DIR === '1') writeFileSync(join(directory, 'checkpoints.json'), JSON.stringify(checkpoints, null, 1));
    const phases = phaseTimes(checkpoints, bound);
    const stats = runtime.stepFunctions.statistics(started.executionArn);
    const roots = new Map(inventory.nodes.map((n) => [n.id, runtime.fleet.node(n.id).root]));
    const nodeTimes = nodeStepDurations(roots, updateId);
    const nodeTimeBound = makespanBound(manifest, plan, nodeTimes);

    const loadAfterUpdate = round(loadavg()[0]!, 2);

    let ansible: (Omit<AnsibleRun, 'directory'> & { ratioToBound: number; ratioToWorkflow: number; dagViolations: number; stepsRun: number; log: string }) | undefined;
    if (withAnsible) {
      const run = await runAnsiblePeer({ directory: join(directory, 'ansible'), updateId: `${updateId}-ansible`, manifest, plan, document, fleet: { roots, fleetUrl: runtime.fleet.url } });
      // The play and its output outlive the run directory, for a look at what Ansible did.
      const kept = join(PACKAGE_ROOT, 'bench-results', `makespan-ansible-${nodeCount}`);
      mkdirSync(kept, { recursive: true });
      for (const file of ['playbook.yml', 'inventory.yml', 'ansible.log']) if (existsSync(join(run.directory, file))) copyFileSync(join(run.directory, file), join(kept, file));
      const { directory: _directory, ...rest } = run;
      ansible = {
        ...rest,
        seconds: round(run.seconds),
        ratioToBound: round(run.seconds / bound.total.seconds, 2),
        ratioToWorkflow: round(run.seconds / makespanSeconds, 2),
        dagViolations: dagViolations(manifest, plan, roots, run.updateId).length,
        stepsRun: executionsLogged(roots, run.updateId),
        log: join('bench-results', `makespan-ansible-${nodeCount}`, 'ansible.log'),
      };
    }
    return {
      nodes: nodeCount,
      maxInFlight: plan.maxInFlight,
      waves: plan.waves.length,
      serviceLevels: plan.serviceOrder.length,
      makespanSeconds,
      bound,
      ratio: round(makespanSeconds / bound.total.seconds, 2),
      // The same bound with every step as long as it really took on the nodes (the step runner's execution log,
      // median per step): the short steps the fixed-duration bound counts as 0 s (drain, rejoin, checks, hooks)
      // are node work too, which no control plane can save.
      boundWithNodeTimes: round(nodeTimeBound.total.seconds),
      ratioToNodeTimeBound: round(makespanSeconds / nodeTimeBound.total.seconds, 2),
      nodeStepSeconds: nodeTimes,
      replicaUpdates: replicaOutages(roots, updateId, plan.canary),
      phases,
      betweenPhasesSeconds: round(makespanSeconds - phases.reduce((s, p) => s + p.measuredSeconds, 0)),
      stopTheWorldSeconds: stopTheWorldSeconds(manifest, plan, durations),
      ...stats,
      workflowStepsRun: executionsLogged(roots, updateId),
      loadAverageBefore,
      loadAfterUpdate,
      workflowDagViolations: dagViolations(manifest, plan, roots, updateId).filter((v) => v.node !== plan.canary).length,
      ansible,
    };
  } finally {
    clients.destroy();
    await runtime.stop();
    // MAKESPAN_KEEP_RUN_DIR=1 keeps the run directory (the nodes' execution logs, checkpoints.json) for a timeline.
    if (process.env.MAKESPAN_KEEP_RUN_DIR === '1') process.stdout.write(`makespan: run directory kept: ${directory}\n`);
    else rmSync(directory, { recursive: true, force: true });
  }
}

/** Each phase's span from its checkpoints, against its bound. */
function phaseTimes(checkpoints: readonly CheckpointRecord[], bound: MakespanBound) {
  const phases: [string, readonly string[], PhaseBound][] = [
    ['pre-hooks', ['pre-hooks'], bound.preHooks],
    ['canary', ['canary'], bound.canary],
    ['rollout', ['wave', 'service'], bound.rollout],
    ['post-hooks', ['post-hooks'], bound.postHooks],
  ];
  return phases.map(([phase, stored, phaseBound]) => {
    const mine = checkpoints.filter((c) => stored.includes(c.phase) && c.startedAt && c.endedAt);
    const start = Math.min(...mine.map((c) => Date.parse(c.startedAt!)));
    const end = Math.max(...mine.map((c) => Date.parse(c.endedAt!)));
    const measuredSeconds = mine.length > 0 ? round((end - start) / 1000) : 0;
    return {
      phase,
      measuredSeconds,
      boundSeconds: phaseBound.seconds,
      steps: phaseBound.steps,
      overheadPerStepSeconds: phaseBound.steps > 0 ? round((measuredSeconds - phaseBound.seconds) / phaseBound.steps, 2) : undefined,
    };
  });
}

/**
 * Service updates and one-offs that started on a node before every replica of one of their direct dependencies
 * had finished, read from what the step runner leaves on the nodes: its lock file is written when the step
 * starts, its ledger entry when it succeeds (mtimes, sub-second).
 */
function dagViolations(manifest: Manifest, plan: Plan, roots: ReadonlyMap<string, string>, updateId: string) {
  const graph = buildServiceGraph(manifest.services);
  const kindOf = (name: string) => (manifest.services.find((s) => s.name === name)!.oneOff ? 'oneoff' : 'service');
  const nodesOf = (name: string) => (plan.oneOffNodes[name] !== undefined ? [plan.oneOffNodes[name]!] : (plan.placement[name] ?? []).filter((n) => !plan.unhealthyNodes.includes(n)));
  const mtime = (path: string) => {
    try {
      return statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
  };
  const started = (node: string, name: string) => mtime(join(roots.get(node)!, STEP_RUNNER_FILES.locks, `${updateId}--${kindOf(name)}--${name}`));
  const finished = (node: string, name: string) => mtime(join(roots.get(node)!, STEP_RUNNER_FILES.ledger, updateId, `${kindOf(name)}--${name}`));
  const violations: { node: string; service: string; dependency: string }[] = [];
  for (const service of manifest.services) {
    for (const node of nodesOf(service.name)) {
      const start = started(node, service.name);
      if (start === undefined) continue;
      for (const dependency of graph.dependencies.get(service.name) ?? []) {
        const done = nodesOf(dependency).map((n) => finished(n, dependency) ?? Number.POSITIVE_INFINITY);
        if (done.some((end) => end > start)) violations.push({ node, service: service.name, dependency });
      }
    }
  }
  return violations;
}

/** Every step's median duration on the nodes (the step runner's own start and end), in makespanBound's terms. */
function nodeStepDurations(roots: ReadonlyMap<string, string>, updateId: string): StepDurations {
  const spans = new Map<string, number[]>();
  for (const root of roots.values()) {
    for (const e of parseExecutionLog(readFileSync(join(root, STEP_RUNNER_FILES.executionLog), 'utf8'))) {
      if (e.updateId !== updateId || !e.endedAt) continue;
      const key = e.kind === 'health' ? 'health' : `${e.kind}:${e.step}`;
      spans.set(key, [...(spans.get(key) ?? []), (Date.parse(e.endedAt) - Date.parse(e.startedAt)) / 1000]);
    }
  }
  const median = (key: string) => {
    const list = [...(spans.get(key) ?? [])].sort((a, b) => a - b);
    return list.length === 0 ? 0 : list[Math.floor(list.length / 2)]!;
  };
  const table = (kind: string) => Object.fromEntries([...spans.keys()].filter((k) => k.startsWith(`${kind}:`)).map((k) => [k.slice(kind.length + 1), round(median(k), 2)]));
  return {
    platform: table('platform'),
    service: { ...table('service'), ...table('oneoff') },
    preHooks: table('pre-hook'),
    postHooks: table('post-hook'),
    drain: round(median('drain:drain'), 2),
    rejoin: round(median('rejoin:rejoin'), 2),
    health: round(median('health'), 2),
  };
}

/**
 * Replica updates outside the canary, read from the nodes: inside the node's platform outage (after its drain,
 * before its rejoin: the outage carried it) or outside it (the replica taken out a second time).
 */
function replicaOutages(roots: ReadonlyMap<string, string>, updateId: string, canary: string): { carried: number; secondOutage: number } {
  let carried = 0;
  let secondOutage = 0;
  for (const [node, root] of roots) {
    if (node === canary) continue;
    const log = parseExecutionLog(readFileSync(join(root, STEP_RUNNER_FILES.executionLog), 'utf8')).filter((e) => e.updateId === updateId);
    const drainEnd = log.find((e) => e.kind === 'drain')?.endedAt;
    const rejoinStart = log.find((e) => e.kind === 'rejoin')?.startedAt;
    for (const update of log.filter((e) => e.kind === 'service')) {
      if (drainEnd && rejoinStart && update.startedAt > drainEnd && update.startedAt < rejoinStart) carried += 1;
      else secondOutage += 1;
    }
  }
  return { carried, secondOutage };
}

/** How many steps really ran on the nodes for an update: one line each in the step runner's execution log. */
function executionsLogged(roots: ReadonlyMap<string, string>, updateId: string): number {
  let count = 0;
  for (const root of roots.values()) {
    const log = join(root, STEP_RUNNER_FILES.executionLog);
    if (existsSync(log)) count += readFileSync(log, 'utf8').split('\n').filter((line) => line.split(' ')[2] === updateId).length;
  }
  return count;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

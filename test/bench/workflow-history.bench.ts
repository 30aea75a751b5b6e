import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients';
import { startUpdate } from '../../src/cli/operations/start-update';
import { waitForExecution } from '../../src/cli/operations/wait-for-execution';
import type { Target } from '../../src/cli/target';
import { toManifest } from '../../src/core/manifest/parse-manifest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/local-credentials';
import { LocalRuntime } from '../../src/local/runtime';
import type { BenchModule } from './bench-module';

interface Scenario {
  readonly name: string;
  readonly nodes: number;
  /** A chain: svc-i depends on svc-(i-1), so the DAG has as many levels as services (the worst case for the parent). */
  readonly services: number;
  /** Each service update sleeps this long on a node (0: `true`). */
  readonly serviceSeconds?: number;
  /** POLL_BUDGET_SECONDS of the task functions (the local default is 20). */
  readonly pollBudgetSeconds?: number;
}

/** Sizes that run in a minute or two each on a shared 2-core machine; HISTORY_BENCH=base,long services runs those named. */
const SCENARIOS: readonly Scenario[] = [
  { name: 'base', nodes: 5, services: 3 },
  { name: 'more levels', nodes: 5, services: 9 },
  { name: 'more nodes', nodes: 15, services: 3 },
  { name: 'long services', nodes: 5, services: 3, serviceSeconds: 4, pollBudgetSeconds: 1 },
];

/** One poll round of a task in the parent (the Rollout task, its Check Choice, its Poll Wait): 5 + 2 + 2 events. */
const EVENTS_PER_ROUND = 9;

/** What the estimate is for: 1,000 services (a chain: 1,000 levels), 10,000 nodes, an update of 30 minutes on AWS. */
const TARGET = { services: 1000, nodes: 10_000, minutes: 30, pollBudgetSeconds: 240, pollSeconds: 5 };

/**
 * Runs the real synthesized state machine on fast nodes (no service processes; every command is `true`, or a
 * `sleep` for the long-services run) and counts what does not depend on speed: history events of the execution
 * (the rollout is one task in a poll loop: no child execution) and state transitions. From the differences between
 * the runs it derives what the history grows with — per DAG level, per node, per poll round of the rollout — and
 * estimates the target size (formula in the output).
 */
export const workflowHistoryBench: BenchModule = {
  name: 'workflow-history',
  async run() {
    const wanted = process.env.HISTORY_BENCH?.split(',');
    const scenarios = wanted ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
    const rows: Awaited<ReturnType<typeof measure>>[] = [];
    for (const scenario of scenarios) rows.push(await measure(scenario));
    const named = (name: string) => rows.find((r) => r.scenario === name);
    const [base, levels, nodes, long] = [named('base'), named('more levels'), named('more nodes'), named('long services')];
    if (!base) return { summary: rows.map((r) => `${r.scenario}: ${r.historyEvents} events, ${r.childExecutions} child executions`), data: { scenarios: rows } };
    // What differs between runs of one size is how often the canary, the hooks and the rollout hit their poll
    // budget, a round or two either way: a negative slope is that noise, not a gain.
    const slope = (other: typeof base | undefined, by: (r: NonNullable<typeof base>) => number) => (other === undefined ? undefined : (other.historyEvents - base.historyEvents) / (by(other) - by(base)));
    const perLevelMeasured = slope(levels, (r) => r.services);
    const perNodeMeasured = slope(nodes, (r) => r.nodes);
    const perLevel = perLevelMeasured === undefined ? undefined : Math.max(0, perLevelMeasured);
    const perNode = perNodeMeasured === undefined ? undefined : Math.max(0, perNodeMeasured);
    const extraRounds = long === undefined ? undefined : (long.historyEvents - base.historyEvents) / EVENTS_PER_ROUND;
    const roundsIn30 = Math.ceil((TARGET.minutes * 60) / (TARGET.pollBudgetSeconds + TARGET.pollSeconds));
    const estimate = perLevel === undefined ? undefined : {
      parentEvents: Math.round(base.historyEvents + perLevel * (TARGET.services - base.services) + (perNode ?? 0) * (TARGET.nodes - base.nodes) + EVENTS_PER_ROUND * roundsIn30),
      childExecutions: 0,
    };
    const formula =
      `events ≈ E(base) + ${perLevel?.toFixed(2)} × (levels − ${base.services}) + ${perNode?.toFixed(3)} × (nodes − ${base.nodes}) + ${EVENTS_PER_ROUND} × ⌈T / (budget + poll)⌉ ` +
      `(the rollout task hands back to its poll loop once per ${TARGET.pollBudgetSeconds + TARGET.pollSeconds} s of the update at most; every node and service is worked inside it)`;
    return {
      summary: [
        ...rows.map((r) => `${r.scenario.padEnd(13)} ${String(r.nodes).padStart(3)} nodes, ${String(r.services).padStart(2)} services (${r.services} levels)${r.serviceSeconds ? `, updates of ${r.serviceSeconds} s, poll budget ${r.pollBudgetSeconds} s` : ''}: ` +
          `${r.historyEvents} events, ${r.childExecutions} child executions; ${r.stateTransitions} transitions (${r.transitionsPerNode} per node); ${r.seconds} s`),
        `grows with: ${perLevel?.toFixed(2)} events per DAG level (measured ${perLevelMeasured?.toFixed(2)}), ${perNode?.toFixed(3)} per node (measured ${perNodeMeasured?.toFixed(3)}), ` +
          `${EVENTS_PER_ROUND} per poll round of the rollout (long services: +${extraRounds?.toFixed(1)} rounds over the base)`,
        `formula: ${formula}`,
        estimate
          ? `estimate for ${TARGET.services} services (a chain: ${TARGET.services} levels) × ${TARGET.nodes} nodes × ${TARGET.minutes} min (budget ${TARGET.pollBudgetSeconds} s, poll ${TARGET.pollSeconds} s): ` +
            `≈ ${estimate.parentEvents} events in the one execution (limit 25,000: ${estimate.parentEvents < 25_000 ? 'within' : 'OVER'}), no child executions`
          : 'estimate: needs the first two scenarios',
      ],
      data: { scenarios: rows, eventsPerRound: EVENTS_PER_ROUND, perLevel, perLevelMeasured, perNode, perNodeMeasured, extraRounds, target: TARGET, formula, estimate },
    };
  },
};

async function measure(scenario: Scenario) {
  const update = scenario.serviceSeconds ? `sleep ${scenario.serviceSeconds}` : 'true';
  const manifest = toManifest({
    release: '2.0.0', previous: '1.0.0', cluster: 'bench',
    policy: { maxInFlight: '50%', canaryWatchSeconds: 0, drain: { run: 'true' }, rejoin: { run: 'true' } },
    platform: ['system-packages', 'config', 'python-packages', 'node-agent'].map((name) => ({ name, run: 'true' })),
    services: Array.from({ length: scenario.services }, (_, i) => ({ name: `svc-${i}`, update, health: { command: 'true' }, dependsOn: i > 0 ? [`svc-${i - 1}`] : [] })),
  });
  const inventory = { nodes: Array.from({ length: scenario.nodes }, (_, i) => ({ id: `node-${i + 1}`, services: manifest.services.map((s) => s.name), healthy: true })) };
  const directory = mkdtempSync(join(tmpdir(), 'cu-bench-'));
  const handlerEnvironment = { POLL_INTERVAL_MS: '50', ...(scenario.pollBudgetSeconds ? { POLL_BUDGET_SECONDS: String(scenario.pollBudgetSeconds) } : {}) };
  const runtime = await LocalRuntime.start({ runDirectory: directory, manifest, inventory, serviceProcesses: false, handlerEnvironment });
  const clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: runtime.dynamodb.endpoint, ssm: runtime.ssm.endpoint, ec2: runtime.ec2.endpoint, stepfunctions: runtime.stepFunctions.endpoint } });
  const target: Target = { kind: 'local', clients, region: LOCAL_REGION, tableName: runtime.tableName, stateMachineArn: runtime.stateMachineArn, documentName: runtime.documentName };
  try {
    const began = Date.now();
    const started = await startUpdate(target, { manifest });
    const execution = await waitForExecution(target, started.executionArn);
    if (execution.status !== 'SUCCEEDED') throw new Error(`${scenario.name}: ${execution.status} ${execution.error}: ${execution.cause}`);
    const stats = runtime.stepFunctions.statistics(started.executionArn);
    return {
      scenario: scenario.name, nodes: scenario.nodes, services: scenario.services, serviceSeconds: scenario.serviceSeconds, pollBudgetSeconds: scenario.pollBudgetSeconds,
      historyEvents: stats.historyEvents, childExecutions: stats.childExecutions,
      stateTransitions: stats.stateTransitions, transitionsPerNode: Number((stats.stateTransitions / scenario.nodes).toFixed(2)),
      seconds: Math.round((Date.now() - began) / 1000),
    };
  } finally {
    clients.destroy();
    await runtime.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients';
import { CheckpointStore, type CheckpointRecord } from '../../src/aws/store/checkpoint-store';
import { startUpdate } from '../../src/cli/operations/start-update';
import { waitForExecution } from '../../src/cli/operations/wait-for-execution';
import type { Target } from '../../src/cli/target';
import { parseExecutionLog, type StepExecution } from '../../src/core/step-runner/execution-log';
import { STEP_RUNNER_FILES } from '../../src/core/step-runner/step-runner-contract';
import { toManifest } from '../../src/core/manifest/parse-manifest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/local-credentials';
import { LocalRuntime } from '../../src/local/runtime';
import type { BenchModule } from './bench-module';

/** The control plane's settings a run uses. */
interface Setting {
  readonly name: string;
  /** POLL_INTERVAL_MS of the task functions. */
  readonly pollIntervalMs: number;
  /** Multiplies the Wait states (1: the definition's 5 s poll Wait as on AWS). */
  readonly waitScale: number;
}

const SETTINGS: readonly Setting[] = [
  { name: 'aws', pollIntervalMs: 2000, waitScale: 1 },
  { name: 'local', pollIntervalMs: 150, waitScale: 0.02 },
];
const NODES = 4;
const STEP_SECONDS = 1;

/** A gap between two steps on one node that only the control plane decides: one ended, the next is the node's next step of the same chain. */
type Chain = 'canary' | 'wave' | 'service';

/**
 * `npm run bench step-overhead`: the control plane's time per step on the critical path, measured on the nodes.
 *
 * The update: 4 nodes, one per wave after the canary (maxInFlight 1), four platform steps and two chained services
 * whose updates each `sleep 1` (drain, rejoin, health checks: `true`), no service processes. Each node's step
 * runner logs when every step really started and ended (`var/log/cluster-update/executions.log`). For each node,
 * the gap from one step's end to the start of its next step, where nothing but the control plane stands between
 * them: along the canary (all its steps in order), within a wave (drain → platform steps → rejoin → health) and a
 * replica's update → its health check. That gap is the poll that sees the end, the checkpoint writes, the fence
 * check, SendCommand and delivery. Run once with AWS's settings (POLL_INTERVAL_MS 2000, the 5 s poll Wait: no
 * wait scaling) and once with the local ones (150 ms, Waits scaled by 0.02); the poll budget is the local stack's
 * (20 s: its functions' timeouts are synthesized from it). Machine-readable: bench-results/step-overhead.json.
 */
export const stepOverheadBench: BenchModule = {
  name: 'step-overhead',
  async run() {
    const rows = [];
    for (const setting of SETTINGS) rows.push(await measure(setting));
    return {
      summary: rows.map((r) =>
        `${r.setting.padEnd(5)} (poll ${r.pollIntervalMs} ms, waits ×${r.waitScale}): critical path ${r.criticalPath.mean} s mean, ${r.criticalPath.median} median, ${r.criticalPath.p90} p90, ${r.criticalPath.max} max over ${r.criticalPath.count} gaps; ` +
        `of which the poll that saw the end ${r.detection.mean} s mean (${r.detection.median} median) and the rest ${r.dispatch.mean} s; ` +
        `canary ${r.byChain.canary.mean} s, waves ${r.byChain.wave.mean} s, replica update → health ${r.byChain.service.mean} s; makespan ${r.makespanSeconds} s`),
      data: { nodes: NODES, stepSeconds: STEP_SECONDS, rows },
    };
  },
};

async function measure(setting: Setting) {
  const manifest = toManifest({
    release: '2.0.0', previous: '1.0.0', cluster: 'bench',
    policy: { maxInFlight: 1, canaryWatchSeconds: 0, drain: { run: 'true' }, rejoin: { run: 'true' } },
    platform: ['system-packages', 'config', 'python-packages', 'node-agent'].map((name) => ({ name, run: `sleep ${STEP_SECONDS}` })),
    services: ['api', 'web'].map((name, i) => ({ name, update: `sleep ${STEP_SECONDS}`, health: { command: 'true' }, minHealthy: 0, dependsOn: i > 0 ? ['api'] : [] })),
  });
  const inventory = { nodes: Array.from({ length: NODES }, (_, i) => ({ id: `node-${i + 1}`, services: ['api', 'web'], healthy: true })) };
  const directory = mkdtempSync(join(tmpdir(), 'cu-overhead-'));
  const runtime = await LocalRuntime.start({ runDirectory: directory, manifest, inventory, serviceProcesses: false, waitScale: setting.waitScale, handlerEnvironment: { POLL_INTERVAL_MS: String(setting.pollIntervalMs) } });
  const clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: runtime.dynamodb.endpoint, ssm: runtime.ssm.endpoint, ec2: runtime.ec2.endpoint, stepfunctions: runtime.stepFunctions.endpoint } });
  const target: Target = { kind: 'local', clients, region: LOCAL_REGION, tableName: runtime.tableName, stateMachineArn: runtime.stateMachineArn, documentName: runtime.documentName };
  try {
    const started = await startUpdate(target, { manifest });
    const execution = await waitForExecution(target, started.executionArn);
    if (execution.status !== 'SUCCEEDED') throw new Error(`${setting.name}: ${execution.status} ${execution.error}: ${execution.cause}`);
    const logs = Object.fromEntries(inventory.nodes.map((n) => {
      const file = join(directory, 'nodes', n.id, STEP_RUNNER_FILES.executionLog);
      return [n.id, existsSync(file) ? parseExecutionLog(readFileSync(file, 'utf8')).filter((e) => e.updateId === started.updateId) : []];
    }));
    const checkpoints = await new CheckpointStore({ documents: clients.documents, tableName: runtime.tableName }).query(started.updateId);
    const gaps = controlPlaneGaps(logs, seenAt(checkpoints));
    const all = gaps.filter((g) => g.chain !== 'service').map((g) => g.seconds);
    return {
      setting: setting.name, pollIntervalMs: setting.pollIntervalMs, waitScale: setting.waitScale,
      makespanSeconds: Number((((execution.stopDate?.getTime() ?? 0) - (execution.startDate?.getTime() ?? 0)) / 1000).toFixed(1)),
      criticalPath: summarize(all),
      // The part of each gap until the task saw the step end (its poll), and the rest (checkpoints, fence, send, delivery).
      detection: summarize(gaps.filter((g) => g.chain !== 'service' && g.detectionSeconds !== undefined).map((g) => g.detectionSeconds!)),
      dispatch: summarize(gaps.filter((g) => g.chain !== 'service' && g.detectionSeconds !== undefined).map((g) => g.seconds - g.detectionSeconds!)),
      byChain: { canary: summarize(gaps.filter((g) => g.chain === 'canary').map((g) => g.seconds)), wave: summarize(gaps.filter((g) => g.chain === 'wave').map((g) => g.seconds)), service: summarize(gaps.filter((g) => g.chain === 'service').map((g) => g.seconds)) },
      gaps,
    };
  } finally {
    clients.destroy();
    await runtime.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** When the workflow recorded each (command, node) ended: its checkpoint's endedAt, written right after the poll that saw it. */
function seenAt(checkpoints: readonly CheckpointRecord[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const c of checkpoints) {
    if (!c.commandId || !c.endedAt) continue;
    const node = c.phase === 'service' ? c.step.replace(/^(update|health|run)-/, '') : c.target;
    seen.set(`${c.commandId} ${node}`, Date.parse(c.endedAt));
  }
  return seen;
}

/** The gaps nothing but the control plane decides (see the module comment), per node, from the step runner's log. */
export function controlPlaneGaps(logs: Readonly<Record<string, readonly StepExecution[]>>, seen: ReadonlyMap<string, number> = new Map()): { node: string; chain: Chain; from: string; to: string; seconds: number; detectionSeconds?: number }[] {
  const firstDrain = Object.entries(logs)
    .map(([node, executions]) => ({ node, at: executions.find((e) => e.kind === 'drain')?.startedAt }))
    .filter((d) => d.at)
    .sort((a, b) => Date.parse(a.at!) - Date.parse(b.at!))[0]?.node;
  const out: { node: string; chain: Chain; from: string; to: string; seconds: number; detectionSeconds?: number }[] = [];
  for (const [node, executions] of Object.entries(logs)) {
    const ordered = executions.filter((e) => e.endedAt && !e.kind.endsWith('hook')).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    for (let i = 1; i < ordered.length; i += 1) {
      const a = ordered[i - 1]!;
      const b = ordered[i]!;
      const chain: Chain | undefined = node === firstDrain && canaryChain(ordered, i)
        ? 'canary'
        : (['drain', 'platform'].includes(a.kind) && ['platform', 'rejoin'].includes(b.kind)) || (a.kind === 'rejoin' && b.kind === 'health')
          ? 'wave'
          : a.kind === 'service' && b.kind === 'health'
            ? 'service'
            : undefined;
      if (!chain) continue;
      const recorded = seen.get(`${a.commandId} ${node}`);
      const detectionSeconds = recorded === undefined ? undefined : (recorded - Date.parse(a.endedAt!)) / 1000;
      out.push({ node, chain, from: `${a.kind} ${a.step}`, to: `${b.kind} ${b.step}`, seconds: (Date.parse(b.startedAt) - Date.parse(a.endedAt!)) / 1000, detectionSeconds });
    }
  }
  return out;
}

/** The canary's steps run in one chain from its drain to its last serving-health check. */
function canaryChain(ordered: readonly StepExecution[], i: number): boolean {
  const drain = ordered.findIndex((e) => e.kind === 'drain');
  const rejoin = ordered.findIndex((e) => e.kind === 'rejoin');
  // After the rejoin the canary's serving-health checks follow; a later replica step of the rollout is not the canary's.
  const lastHealth = ordered.findIndex((e, k) => k > rejoin && e.kind !== 'health');
  const end = lastHealth === -1 ? ordered.length - 1 : lastHealth - 1;
  return drain >= 0 && i > drain && i <= end;
}

function summarize(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (x: number) => Number(x.toFixed(3));
  return { count: sorted.length, mean: round(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)), median: round(at(0.5)), p90: round(at(0.9)), max: round(sorted.at(-1) ?? 0) };
}

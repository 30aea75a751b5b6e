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

const SIZES = [10, 100, 1000];
const SERVICES = 5;

/**
 * Runs the real synthesized state machine on fast no-op nodes (no service
 * processes; every command is `true`) and counts what does not depend on
 * speed: history events in the parent execution and in the largest child
 * (a Distributed Map wave), and state transitions per node. Extrapolates
 * linearly to 10,000 nodes from the 100- and 1,000-node runs.
 */
export const workflowHistoryBench: BenchModule = {
  name: 'workflow-history',
  async run() {
    const rows = [];
    for (const nodes of SIZES) rows.push(await measure(nodes));
    const [, hundred, thousand] = rows;
    const perNode = (key: 'historyEvents' | 'stateTransitions') => (thousand![key] - hundred![key]) / (thousand!.nodes - hundred!.nodes);
    const extrapolate = (key: 'historyEvents' | 'stateTransitions') => Math.round(thousand![key] + perNode(key) * (10_000 - thousand!.nodes));
    const at10k = { historyEvents: extrapolate('historyEvents'), stateTransitions: extrapolate('stateTransitions'), transitionsPerNode: Number((extrapolate('stateTransitions') / 10_000).toFixed(2)) };
    return {
      summary: [
        ...rows.map((r) => `${String(r.nodes).padStart(5)} nodes: ${r.historyEvents} parent events, ${r.childExecutions} wave children (largest ${r.maxChildHistoryEvents} events), ${r.stateTransitions} transitions = ${r.transitionsPerNode} per node, ${r.seconds} s`),
        `extrapolated to 10,000 nodes: ${at10k.historyEvents} parent events (goal < 20,000: ${at10k.historyEvents < 20_000 ? 'met' : 'NOT met'}), ${at10k.transitionsPerNode} transitions per node (goal ≤ 12: ${at10k.transitionsPerNode <= 12 ? 'met' : 'NOT met'})`,
      ],
      data: { services: SERVICES, rows, extrapolatedTo10000: at10k },
    };
  },
};

async function measure(nodeCount: number) {
  const manifest = toManifest({
    release: '2.0.0', previous: '1.0.0', cluster: 'bench',
    policy: { maxInFlight: '10%', canaryWatchSeconds: 0, drain: { run: 'true' }, rejoin: { run: 'true' } },
    platform: ['system-packages', 'config', 'python-packages', 'node-agent'].map((name) => ({ name, run: 'true' })),
    services: Array.from({ length: SERVICES }, (_, i) => ({ name: `svc-${i}`, update: 'true', health: { command: 'true' }, dependsOn: i > 0 ? [`svc-${i - 1}`] : [] })),
  });
  const inventory = { nodes: Array.from({ length: nodeCount }, (_, i) => ({ id: `node-${i + 1}`, services: manifest.services.map((s) => s.name), healthy: true })) };
  const directory = mkdtempSync(join(tmpdir(), 'cu-bench-'));
  const runtime = await LocalRuntime.start({ runDirectory: directory, manifest, inventory, serviceProcesses: false, handlerEnvironment: { POLL_INTERVAL_MS: '50' } });
  const clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: runtime.dynamodb.endpoint, ssm: runtime.ssm.endpoint, ec2: runtime.ec2.endpoint, stepfunctions: runtime.stepFunctions.endpoint } });
  const target: Target = { kind: 'local', clients, region: LOCAL_REGION, tableName: runtime.tableName, stateMachineArn: runtime.stateMachineArn, documentName: runtime.documentName };
  try {
    const began = Date.now();
    const started = await startUpdate(target, { manifest });
    const execution = await waitForExecution(target, started.executionArn);
    if (execution.status !== 'SUCCEEDED') throw new Error(`${nodeCount} nodes: ${execution.status} ${execution.error}: ${execution.cause}`);
    const stats = runtime.stepFunctions.statistics(started.executionArn);
    return { nodes: nodeCount, ...stats, transitionsPerNode: Number((stats.stateTransitions / nodeCount).toFixed(2)), seconds: Math.round((Date.now() - began) / 1000) };
  } finally {
    clients.destroy();
    await runtime.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

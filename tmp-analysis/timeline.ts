import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../src/aws/clients';
import { CheckpointStore } from '../src/aws/store/checkpoint-store';
import { startUpdate } from '../src/cli/operations/start-update';
import { waitForExecution } from '../src/cli/operations/wait-for-execution';
import type { Target } from '../src/cli/target';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../src/local/local-credentials';
import { LocalRuntime } from '../src/local/runtime';
import { synthesizeLocalTemplate } from '../src/local/synthesize-local-template';
import { fixedDurationManifest, repeatedInventory } from '../test/fixtures/analytics-cluster';

async function main() {
  const nodeCount = Number(process.argv[2] ?? 12);
  const manifest = fixedDurationManifest();
  const inventory = repeatedInventory(nodeCount);
  const directory = mkdtempSync(join(tmpdir(), 'cu-an-'));
  const runtime = await LocalRuntime.start({ runDirectory: directory, manifest, inventory, template: synthesizeLocalTemplate() });
  const clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: runtime.dynamodb.endpoint, ssm: runtime.ssm.endpoint, ec2: runtime.ec2.endpoint, stepfunctions: runtime.stepFunctions.endpoint } });
  const target: Target = { kind: 'local', clients, region: LOCAL_REGION, tableName: runtime.tableName, stateMachineArn: runtime.stateMachineArn, documentName: runtime.documentName };
  try {
    const started = await startUpdate(target, { manifest, updateId: 'an' });
    const execution = await waitForExecution(target, started.executionArn, undefined, 100);
    console.log(execution.status, (execution.stopDate!.getTime() - execution.startDate!.getTime()) / 1000, 'maxInFlight', started.plan.maxInFlight, 'budgets', JSON.stringify(started.plan.outageBudget));
    const cps = await new CheckpointStore({ documents: clients.documents, tableName: runtime.tableName }).query('an');
    const t0 = Math.min(...cps.filter((c) => c.phase === 'wave' || c.phase === 'service').map((c) => Date.parse(c.startedAt ?? c.endedAt!)));
    const rel = (iso?: string) => (iso ? ((Date.parse(iso) - t0) / 1000).toFixed(1) : '-');
    const rows = cps.filter((c) => (c.phase === 'wave' || c.phase === 'service') && c.step !== 'service' && c.step !== 'node').map((c) => ({ node: c.phase === 'wave' ? c.target : c.step.replace(/^(update|health|run)-/, ''), what: c.phase === 'wave' ? c.step : `${c.target}:${c.step.split('-')[0]}`, s: rel(c.startedAt), e: rel(c.endedAt) }));
    const byNode = new Map<string, typeof rows>();
    for (const r of rows) byNode.set(r.node, [...(byNode.get(r.node) ?? []), r]);
    for (const [node, list] of [...byNode].sort()) {
      list.sort((a, b) => Number(a.s) - Number(b.s));
      console.log(node.padEnd(8), list.map((r) => `${r.what}[${r.s}-${r.e}]`).join(' '));
    }
  } finally {
    clients.destroy();
    await runtime.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });

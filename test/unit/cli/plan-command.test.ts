import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ESTIMATE_MAX_NODES, estimatePlan, renderPlan } from '../../../src/cli/commands/plan';
import { run } from '../../../src/cli/main';
import { planUpdate } from '../../../src/core/plan/plan-update';
import { fixedDurationManifest, repeatedInventory } from '../../fixtures/analytics-cluster';
import { MAX_COMMAND_BYTES } from '../../../src/core/step-runner/command-size';

const root = join(__dirname, '../../..');
const example = ['-m', join(root, 'examples/analytics-cluster/release-7.2.0.yaml'), '--inventory', join(root, 'examples/analytics-cluster/inventory.yaml')];

async function capture(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await run(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('cluster-update plan', () => {
  it('prints the canary, waves and service order for people', async () => {
    const { code, stdout } = await capture(['plan', ...example]);
    expect(code).toBe(0);
    expect(stdout).toContain('canary     node-1 (auto: hosts 7 services)');
    expect(stdout).toMatch(/wave {2}1 {2}node-2, node-3/);
    expect(stdout).toContain('metadata-migrate-7-2');
  });

  it('prints JSON with planHash, canary, waves and serviceOrder', async () => {
    const { code, stdout } = await capture(['plan', ...example, '--json']);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan).toMatchObject({ canary: 'node-1', waves: [['node-2', 'node-3'], ['node-4', 'node-5'], ['node-6']] });
    expect(plan.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.serviceOrder[0]).toEqual(['auth', 'coordinator', 'metadata-migrate-7-2', 'metrics-exporter']);
  });

  it('exits 2 with the problem on stderr and nothing on stdout for a missing file or a bad manifest', async () => {
    const missing = await capture(['plan', '-m', 'no-such.yaml', '--inventory', 'x.yaml']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain('manifest file no-such.yaml: not found');
    const cyclic = await capture(['plan', '-m', join(root, 'examples/invalid/cycle.yaml'), '--inventory', join(root, 'examples/invalid/inventory.yaml')]);
    expect(cyclic).toMatchObject({ code: 2, stdout: '' });
    expect(cyclic.stderr).toContain('dependency cycle: query-planner -> tql -> search -> query-planner');
  });

  // One SendCommand carries the step runner and its parameters within 64 KB
  // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html, Content).
  it('exits 2 naming the field when a command cannot fit one SSM SendCommand', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cu-plan-size-'));
    try {
      const manifest = readFileSync(join(root, 'examples/analytics-cluster/release-7.2.0.yaml'), 'utf8');
      const huge = `hooks:\n  preUpdate:\n    - { name: huge, run: "${'x'.repeat(MAX_COMMAND_BYTES + 1)}" }\n`;
      writeFileSync(join(dir, 'm.yaml'), manifest.replace(/^hooks:\n(?: .*\n|\n)*/m, '') + huge);
      const oversize = await capture(['plan', '-m', join(dir, 'm.yaml'), '--inventory', join(root, 'examples/analytics-cluster/inventory.yaml')]);
      expect(oversize).toMatchObject({ code: 2, stdout: '' });
      expect(oversize.stderr).toContain('hooks.preUpdate[0].run');
      expect(oversize.stderr).toContain(`longer than ${MAX_COMMAND_BYTES} bytes`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the installed binary exits 2 on bad input and 0 on a good plan', () => {
    const bin = join(root, 'bin/cluster-update.js');
    const bad = spawnSync(process.execPath, [bin, 'plan', '-m', join(root, 'examples/invalid/unknown-dependency.yaml'), '--inventory', join(root, 'examples/invalid/inventory.yaml')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown service 'serch'");
    expect(JSON.parse(execFileSync(process.execPath, [bin, 'plan', ...example, '--json'], { encoding: 'utf8' })).canary).toBe('node-1');
  });
});

describe('cluster-update plan: the estimated duration', () => {
  const withFile = async (name: string, text: string, run: (path: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'cu-plan-durations-'));
    try {
      writeFileSync(join(dir, name), text);
      await run(join(dir, name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // The example's platform steps 2 s and every service update and one-off 3 s, as in the makespan bench.
  const measured = JSON.stringify({
    platform: { 'system-packages': 2, config: 2, 'python-packages': 2, 'node-agent': 2 },
    service: Object.fromEntries(
      ['metadata-migrate-7-2', 'search-index-migrate-7-2', 'coordinator', 'auth', 'metadata', 'ingest', 'search', 'tql', 'query-planner', 'cache', 'scheduler', 'alerting', 'web-ui', 'metrics-exporter'].map((s) => [s, 3]),
    ),
  });

  it('by default is at most the run with every step at its timeout', async () => {
    const { code, stdout } = await capture(['plan', ...example]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^estimate {3}at most \d+h\d\dm of node work \(canary .*; every step at its timeout\)$/m);
    const json = JSON.parse((await capture(['plan', ...example, '--json'])).stdout);
    expect(json.estimate).toMatchObject({ basis: 'step-timeouts', atMost: true });
    expect(json.estimate.seconds).toBe(json.estimate.phases.preHooks + json.estimate.phases.canary + json.estimate.phases.rollout + json.estimate.phases.postHooks);
    expect(json.estimate.seconds).toBeGreaterThan(3600);
  });

  it('with --durations is simulated from the measured step durations', async () => {
    await withFile('measured.json', measured, async (file) => {
      const { code, stdout } = await capture(['plan', ...example, '--durations', file]);
      expect(code).toBe(0);
      // canaryWatchSeconds 5 of the example: 35 s of canary steps + 5 s watch; the rollout as simulated (72 s with no watch).
      expect(stdout).toContain(`estimate   1m17s of node work (canary 40s, rollout 37s; measured durations from ${file})`);
      const json = JSON.parse((await capture(['plan', ...example, '--durations', file, '--json'])).stdout);
      expect(json.estimate).toEqual({ seconds: 77, basis: 'durations-file', atMost: false, durationsFile: file, phases: { preHooks: 0, canary: 40, rollout: 37, postHooks: 0 } });
    });
  });

  it.each([
    ['not JSON', '{"platform":', 'is not JSON'],
    ['a negative duration', '{"drain": -1}', 'drain: must be ≥ 0 seconds'],
    ['a field it does not know', '{"platfrom": {}}', 'unknown field platfrom'],
    ['a step the manifest does not have', '{"platform": {"sytem-packages": 2}}', "platform.sytem-packages: the manifest has no platform step named 'sytem-packages'"],
    ['a duration that is not a number', '{"service": {"search": "3s"}}', 'service.search: must be a number of seconds'],
  ])('exits 2 naming the problem, nothing on stdout, for a durations file with %s', async (_what, text, says) => {
    await withFile('bad.json', text, async (file) => {
      const result = await capture(['plan', ...example, '--durations', file]);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain(`durations file ${file}`);
      expect(result.stderr).toContain(says);
    });
  });

  it('exits 2 for a durations file that does not exist', async () => {
    const result = await capture(['plan', ...example, '--durations', 'no-such-durations.json']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('durations file no-such-durations.json: not found');
  });

  it('says it is not simulated for a cluster larger than plan simulates', () => {
    const manifest = fixedDurationManifest();
    const plan = planUpdate(manifest, repeatedInventory(ESTIMATE_MAX_NODES + 6));
    const estimate = estimatePlan(manifest, plan);
    expect(estimate).toEqual({ basis: 'step-timeouts', atMost: true, notSimulated: `${ESTIMATE_MAX_NODES + 6} nodes, more than the ${ESTIMATE_MAX_NODES} plan simulates` });
    expect(renderPlan(manifest, plan, undefined, estimate)).toContain(`estimate   not simulated: ${ESTIMATE_MAX_NODES + 6} nodes`);
  });

  it('documents the durations file in its help', async () => {
    const { stdout } = await capture(['plan', '--help']);
    expect(stdout).toContain('--durations <file>');
    expect(stdout).toContain('"platform": { "<platform step>": 2 }');
  });
});

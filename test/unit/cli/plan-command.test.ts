import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../../../src/cli/main';
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

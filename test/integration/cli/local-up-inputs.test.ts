import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliHarness } from './cli-harness';

describe('local up passes its fleet inputs on to the runtime it starts', () => {
  const runDirectory = mkdtempSync(join(tmpdir(), 'cu-up-inputs-'));
  const cli = new CliHarness(runDirectory);
  afterAll(async () => {
    await cli.run(['local', 'down']);
    rmSync(runDirectory, { recursive: true, force: true });
  });

  it('--nodes 3 --node-ids ec2 gives a fleet of EC2 instance ids (it once came up with node-1…)', { timeout: 180_000 }, async () => {
    const up = await cli.run(['local', 'up', '--nodes', '3', '--node-ids', 'ec2', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const nodes = (JSON.parse(up.stdout) as { nodes: string[] }).nodes;
    expect(nodes).toHaveLength(3);
    for (const node of nodes) expect(node).toMatch(/^i-[0-9a-f]{17}$/);
  });
});

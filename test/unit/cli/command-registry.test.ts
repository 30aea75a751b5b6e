import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands';
import { buildProgram } from '../../../src/cli/main';

/** src/cli/commands/index.ts loads command modules lazily; its table must match what the modules register. */
describe('the command table', () => {
  it('each entry loads a module that registers exactly the command of that name', async () => {
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load())(program);
      expect(program.commands.map((c) => c.name()), entry.name).toEqual([entry.name]);
      expect(entry.summary.length, entry.name).toBeLessThanOrEqual(80);
    }
  });

  it('running one command registers the others as placeholders, listed with their summaries', async () => {
    const program = await buildProgram(['plan', '--help']);
    const plan = program.commands.find((c) => c.name() === 'plan')!;
    expect(plan.options.map((o) => o.long)).toContain('--manifest');
    const status = program.commands.find((c) => c.name() === 'status')!;
    expect(status.options).toHaveLength(0);
    expect(program.helpInformation().replace(/\s+/g, ' ')).toContain(COMMANDS.find((c) => c.name === 'status')!.summary);
  });

  it('`help <command>` loads that command', async () => {
    const program = await buildProgram(['help', 'status']);
    expect(program.commands.find((c) => c.name() === 'status')!.options.length).toBeGreaterThan(0);
  });
});

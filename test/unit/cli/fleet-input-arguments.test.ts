import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { fleetInputArguments, fleetInputOptions } from '../../../src/cli/fleet-inputs';

describe('fleetInputArguments: what `local up` passes on to the runtime it starts', () => {
  it('passes on every fleet input option the command line accepts (once --node-ids was dropped on the way)', () => {
    const command = fleetInputOptions(new Command('probe'));
    const flags = command.options.map((o) => o.long!);
    const parsed = command.parse(['--manifest', 'm.yaml', '--nodes', '3', '--node-ids', 'ec2'], { from: 'user' }).opts();
    const args = fleetInputArguments(parsed);
    const given = flags.filter((flag) => args.includes(flag));
    expect(given).toEqual(['--manifest', '--nodes', '--node-ids']);
    expect(args.slice(args.indexOf('--node-ids'), args.indexOf('--node-ids') + 2)).toEqual(['--node-ids', 'ec2']);
    // Every option the command defines has a way through (inventory excludes nodes, so it is checked apart).
    expect(fleetInputArguments({ inventory: 'i.yaml' })[0]).toBe('--inventory');
    expect(new Set(flags)).toEqual(new Set(['--manifest', '--inventory', '--nodes', '--node-ids']));
  });
});

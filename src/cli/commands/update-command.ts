import type { Command } from 'commander';
import { resolveUpdateId } from '../operations/read-update';
import type { Target } from '../target';
import { targetOptions, type TargetOptions } from '../targets/target-options';
import { withTarget } from '../targets/with-target';

export interface UpdateSelection extends TargetOptions {
  readonly cluster?: string;
}

/**
 * A command about one update: `[updateId]` (default: the cluster's newest),
 * `--cluster` to say which cluster then, and the target options.
 */
export function updateCommand(program: Command, name: string, description: string): Command {
  return targetOptions(
    program
      .command(name)
      .description(description)
      .argument('[updateId]', 'the update (default: the newest of the cluster)')
      .option('--cluster <name>', 'with no update id: whose newest update (local default: the simulated cluster)'),
  );
}

/** The action of an update command: the target resolved, the update found, the exit code set. */
export function onUpdate<O extends UpdateSelection>(action: (target: Target, updateId: string, options: O) => Promise<number>): (updateId: string | undefined, options: O) => Promise<void> {
  return async (updateIdArgument, options) => {
    process.exitCode = await withTarget(options, async (target) => action(target, await resolveUpdateId(target, { updateId: updateIdArgument, cluster: options.cluster }), options));
  };
}

import type { Command } from 'commander';
import { EXIT_OK } from '../exit-codes';
import { stopUpdate } from '../operations/stop-update';
import { followUpdate } from '../progress/follow-update';
import { targetSuffix } from '../targets/with-target';
import { onUpdate, updateCommand, type UpdateSelection } from './update-command';

interface StopOptions extends UpdateSelection {
  readonly now?: boolean;
  readonly watch?: boolean;
}

export function register(program: Command): void {
  updateCommand(program, 'stop', 'stop a running update: by default after the running wave and service level (clean, resumable); --now at once')
    .option('--now', 'StopExecution and cancel the commands running on nodes; checkpoints stay consistent and `resume` sends the cancelled steps again')
    .option('--watch', 'after a graceful stop request, follow the update until it has stopped')
    .addHelpText('after', '\nExamples:\n  $ cluster-update stop\n  $ cluster-update stop analytics-7-2-0-20261125101500 --watch\n  $ cluster-update stop --now')
    .action(
      onUpdate<StopOptions>(async (target, updateId, options) => {
        const stopped = await stopUpdate(target, { updateId, now: options.now });
        const suffix = targetSuffix(options);
        if (stopped.mode === 'now') {
          process.stdout.write(`stopped update ${updateId} now; cancelled ${stopped.cancelledCommands.length} running command(s)${stopped.cancelledCommands.length ? `: ${stopped.cancelledCommands.join(', ')}` : ''}\n`);
          process.stdout.write(`the lock stays with ${updateId}; continue with: cluster-update resume ${updateId}${suffix}\n`);
          return EXIT_OK;
        }
        process.stdout.write(`stop requested for ${updateId}: the running wave and service level finish, then it stops (resumable with \`cluster-update resume ${updateId}${suffix}\`)\n`);
        if (options.watch) await followUpdate(target, updateId, { commandSuffix: suffix });
        return EXIT_OK;
      }),
    );
}

import type { Command } from 'commander';
import { EXIT_OK } from '../exit-codes';
import { rollbackUpdate } from '../operations/rollback-update';
import { followUpdate } from '../progress/follow-update';
import { targetSuffix } from '../targets/with-target';
import { onUpdate, updateCommand, type UpdateSelection } from './update-command';

interface RollbackOptions extends UpdateSelection {
  readonly updateId?: string;
  readonly skipCheck?: string[];
  readonly watch?: boolean;
  readonly json?: boolean;
}

export function register(program: Command): void {
  updateCommand(program, 'rollback', "return the cluster to an update's `previous` release: services in reverse dependency order, one-offs undone with their `rollback` commands (refused up front when a one-off that ran has none)")
    .option('--update-id <id>', 'name the rollback update (default: <updateId>-rollback)')
    .option('--skip-check <hook...>', 'skip these skippable checks during the rollback')
    .option('--watch', 'follow progress until the rollback ends; exit 0 if it succeeded, 1 if not')
    .option('--json', 'print JSON: {updateId, executionArn, rollbackOf} (with --watch: the final status)')
    .addHelpText('after', '\nExamples:\n  $ cluster-update rollback --watch\n  $ cluster-update rollback analytics-7-2-0-20261125101500 --target aws --stack ClusterUpdate')
    .action(
      onUpdate<RollbackOptions>(async (target, updateId, options) => {
        const started = await rollbackUpdate(target, { updateId, rollbackId: options.updateId, skipChecks: options.skipCheck });
        const suffix = targetSuffix(options);
        const undone = started.manifest.services.filter((s) => s.oneOff).map((s) => s.name);
        if (!options.json) {
          process.stdout.write(
            `rolling back ${updateId} as update ${started.updateId}: ${started.manifest.cluster} ${started.manifest.previous} → ${started.manifest.release}` +
              `${undone.length ? `; one-offs undone: ${undone.join(', ')}` : ''}\n  execution ${started.executionArn}\n`,
          );
        }
        if (options.watch) return followUpdate(target, started.updateId, { json: options.json, executionArn: started.executionArn, commandSuffix: suffix });
        if (options.json) process.stdout.write(`${JSON.stringify({ updateId: started.updateId, executionArn: started.executionArn, rollbackOf: updateId }, null, 2)}\n`);
        else process.stdout.write(`follow it: cluster-update status ${started.updateId} --watch${suffix}\n`);
        return EXIT_OK;
      }),
    );
}

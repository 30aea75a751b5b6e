import type { Command } from 'commander';
import { EXIT_OK } from '../exit-codes';
import { resumeUpdate } from '../operations/resume-update';
import { followUpdate } from '../progress/follow-update';
import { targetSuffix } from '../targets/with-target';
import { onUpdate, updateCommand, type UpdateSelection } from './update-command';

interface ResumeOptions extends UpdateSelection {
  readonly skipCheck?: string[];
  readonly watch?: boolean;
  readonly json?: boolean;
}

export function register(program: Command): void {
  updateCommand(program, 'resume', 'continue a failed or stopped update after a fix, without redoing finished steps (RedriveExecution, or a new execution when it cannot be redriven)')
    .option('--skip-check <hook...>', 'from now on also skip these skippable checks (e.g. a pre-check that failed for a known reason)')
    .option('--watch', 'follow progress until the update ends; exit 0 if it succeeded, 1 if not')
    .option('--json', 'print JSON: {updateId, executionArn, how, reason} (with --watch: the final status)')
    .addHelpText('after', '\nExamples:\n  $ cluster-update resume --watch\n  $ cluster-update resume analytics-7-2-0-20261125101500 --skip-check disk-space\n  $ cluster-update resume analytics-7-2-0-20261125101500 --target aws --stack ClusterUpdate')
    .action(
      onUpdate<ResumeOptions>(async (target, updateId, options) => {
        const resumed = await resumeUpdate(target, { updateId, skipChecks: options.skipCheck });
        const suffix = targetSuffix(options);
        if (!options.json) process.stdout.write(`resumed update ${updateId} (${resumed.how === 'redrive' ? 'RedriveExecution' : 'new execution'}): ${resumed.reason}\n  execution ${resumed.executionArn}\n`);
        if (options.watch) return followUpdate(target, updateId, { json: options.json, executionArn: resumed.executionArn, commandSuffix: suffix });
        if (options.json) process.stdout.write(`${JSON.stringify(resumed, null, 2)}\n`);
        else process.stdout.write(`follow it: cluster-update status ${updateId} --watch${suffix}\n`);
        return EXIT_OK;
      }),
    );
}

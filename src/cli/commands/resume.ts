import type { Command } from 'commander';
import { EXIT_OK } from '../exit-codes';
import { resolveUpdateId } from '../operations/read-update';
import { resumeUpdate } from '../operations/resume-update';
import { followUpdate } from '../progress/follow-update';
import { targetOptions, type TargetOptions } from '../targets/target-options';
import { targetSuffix, withTarget } from '../targets/with-target';

interface ResumeOptions extends TargetOptions {
  readonly cluster?: string;
  readonly skipCheck?: string[];
  readonly watch?: boolean;
  readonly json?: boolean;
}

export function register(program: Command): void {
  targetOptions(
    program
      .command('resume')
      .description('continue a failed or stopped update after a fix, without redoing finished steps (RedriveExecution, or a new execution when it cannot be redriven)')
      .argument('[updateId]', 'the update (default: the newest of the cluster)')
      .option('--cluster <name>', 'with no update id: the cluster whose newest update to resume')
      .option('--skip-check <hook...>', 'from now on also skip these skippable checks (e.g. a pre-check that failed for a known reason)')
      .option('--watch', 'follow progress until the update ends; exit 0 if it succeeded, 1 if not')
      .option('--json', 'print JSON: {updateId, executionArn, how, reason} (with --watch: the final status)'),
  )
    .addHelpText('after', '\nExamples:\n  $ cluster-update resume --watch\n  $ cluster-update resume analytics-7-2-0-20261125101500 --skip-check disk-space\n  $ cluster-update resume analytics-7-2-0-20261125101500 --target aws --stack ClusterUpdate')
    .action(async (updateIdArgument: string | undefined, options: ResumeOptions) => {
      process.exitCode = await withTarget(options, async (target) => {
        const updateId = await resolveUpdateId(target, { updateId: updateIdArgument, cluster: options.cluster });
        const resumed = await resumeUpdate(target, { updateId, skipChecks: options.skipCheck });
        const suffix = targetSuffix(options);
        if (!options.json) process.stdout.write(`resumed update ${updateId} (${resumed.how === 'redrive' ? 'RedriveExecution' : 'new execution'}): ${resumed.reason}\n  execution ${resumed.executionArn}\n`);
        if (options.watch) return followUpdate(target, updateId, { json: options.json, executionArn: resumed.executionArn, commandSuffix: suffix });
        if (options.json) process.stdout.write(`${JSON.stringify(resumed, null, 2)}\n`);
        else process.stdout.write(`follow it: cluster-update status ${updateId} --watch${suffix}\n`);
        return EXIT_OK;
      });
    });
}

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT_OK } from '../exit-codes';
import { resolveUpdateId } from '../operations/read-update';
import { reportInput } from '../operations/report-input';
import { renderReportHtml } from '../report';
import { targetOptions, type TargetOptions } from '../targets/target-options';
import { withTarget } from '../targets/with-target';

interface ReportOptions extends TargetOptions {
  readonly cluster?: string;
  readonly output: string;
}

export function register(program: Command): void {
  targetOptions(
    program
      .command('report')
      .description('write one self-contained HTML file: a timeline (Gantt) of the hooks, the canary, every wave and every service per node, with durations, failures and skips, the plan hash and the hooks\' results')
      .argument('[updateId]', 'the update (default: the newest of the cluster)')
      .requiredOption('-o, --output <file.html>', 'where to write the report')
      .option('--cluster <name>', 'with no update id: the cluster whose newest update to report'),
  )
    .addHelpText('after', '\nExamples:\n  $ cluster-update report -o update.html\n  $ cluster-update report analytics-7-2-0-20261125101500 -o /tmp/update.html --target aws --stack ClusterUpdate')
    .action(async (updateIdArgument: string | undefined, options: ReportOptions) => {
      process.exitCode = await withTarget(options, async (target) => {
        const updateId = await resolveUpdateId(target, { updateId: updateIdArgument, cluster: options.cluster });
        const input = await reportInput(target, updateId);
        const file = resolve(options.output);
        writeFileSync(file, renderReportHtml(input));
        process.stdout.write(`wrote ${file}: update ${updateId}, ${input.status}, ${input.checkpoints.length} steps on the timeline\n`);
        return EXIT_OK;
      });
    });
}

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT_OK } from '../exit-codes';
import { reportInput } from '../operations/report-input';
import { renderReportHtml } from '../report';
import { onUpdate, updateCommand, type UpdateSelection } from './update-command';

interface ReportOptions extends UpdateSelection {
  readonly output: string;
}

export function register(program: Command): void {
  updateCommand(program, 'report', "write one self-contained HTML file: a timeline (Gantt) of the hooks, the canary, every wave and every service per node, with durations, failures and skips, the plan hash and the hooks' results")
    .requiredOption('-o, --output <file.html>', 'where to write the report')
    .addHelpText('after', '\nExamples:\n  $ cluster-update report -o update.html\n  $ cluster-update report analytics-7-2-0-20261125101500 -o /tmp/update.html --target aws --stack ClusterUpdate')
    .action(
      onUpdate<ReportOptions>(async (target, updateId, options) => {
        const input = await reportInput(target, updateId);
        const file = resolve(options.output);
        writeFileSync(file, renderReportHtml(input));
        process.stdout.write(`wrote ${file}: update ${updateId}, ${input.status}, ${input.checkpoints.length} steps on the timeline\n`);
        return EXIT_OK;
      }),
    );
}

import type { Command } from 'commander';
import { UpdateStore } from '../../aws/store/update-store';
import { InputError } from '../../core/errors';
import { EXIT_OK } from '../exit-codes';
import { readUpdate, resolveUpdateId } from '../operations/read-update';
import { followUpdate } from '../progress/follow-update';
import { renderStatus } from '../status/render-status';
import { statusJson } from '../status/status-json';
import { buildUpdateView } from '../status/update-view';
import { targetOptions, type TargetOptions } from '../targets/target-options';
import { targetSuffix, withTarget } from '../targets/with-target';
import type { Target } from '../target';

interface StatusOptions extends TargetOptions {
  readonly cluster?: string;
  readonly watch?: boolean;
  readonly json?: boolean;
  readonly all?: boolean;
}

export function register(program: Command): void {
  targetOptions(
    program
      .command('status')
      .description('where an update stands: phase, canary, waves, every node and service, what runs now and what to do next')
      .argument('[updateId]', 'the update (default: the newest of the cluster)')
      .option('--cluster <name>', 'with no update id: the cluster whose newest update to show (local default: the simulated one)')
      .option('--watch', 'follow it live until it ends (plain lines when stdout is not a terminal); exit 0 if it succeeded, 1 if not')
      .option('--json', 'print {updateId, executionArn, status, phase, nodes, services} for scripts')
      .option('--all', "list the cluster's recent updates, newest first"),
  )
    .addHelpText('after', '\nExit code: 0 when the status could be read (whatever it says); with --watch, 0 if the update succeeded, 1 if not.\n\nExamples:\n  $ cluster-update status\n  $ cluster-update status analytics-7-2-0-20261125101500 --watch\n  $ cluster-update status --json | jq \'.services[] | select(.state == "FAILED")\'\n  $ cluster-update status --target aws --stack ClusterUpdate --cluster analytics --watch')
    .action(async (updateIdArgument: string | undefined, options: StatusOptions) => {
      process.exitCode = await withTarget(options, async (target) => {
        if (options.all) return listUpdates(target, options);
        const updateId = await resolveUpdateId(target, { updateId: updateIdArgument, cluster: options.cluster });
        const suffix = targetSuffix(options);
        if (options.watch) return followUpdate(target, updateId, { json: options.json, commandSuffix: suffix });
        const view = buildUpdateView(await readUpdate(target, updateId), new Date(), suffix);
        process.stdout.write(options.json ? `${JSON.stringify(statusJson(view), null, 2)}\n` : renderStatus(view));
        return EXIT_OK;
      });
    });
}

async function listUpdates(target: Target, options: StatusOptions): Promise<number> {
  const cluster = options.cluster ?? target.defaultCluster;
  if (!cluster) throw new InputError('status --all needs --cluster <name>');
  const updates = await new UpdateStore({ documents: target.clients.documents, tableName: target.tableName }).listByCluster(cluster, 20);
  const rows = updates.map((u) => ({ updateId: u.updateId, status: u.status, phase: u.phase, release: u.release, previous: u.previous ?? null, createdAt: u.createdAt, ...(u.rollbackOf ? { rollbackOf: u.rollbackOf } : {}) }));
  if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length === 0) process.stdout.write(`cluster ${cluster} has no update yet\n`);
  else for (const r of rows) process.stdout.write(`${r.updateId.padEnd(50)} ${r.status.padEnd(10)} ${String(r.previous ?? '?')} → ${r.release.padEnd(10)} ${r.createdAt}${r.rollbackOf ? `  rollback of ${r.rollbackOf}` : ''}\n`);
  return EXIT_OK;
}

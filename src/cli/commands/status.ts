import type { Command } from 'commander';
import { UpdateStore } from '../../aws/store/update-store';
import { InputError } from '../../core/errors';
import { EXIT_OK } from '../exit-codes';
import { readUpdate } from '../operations/read-update';
import { followUpdate } from '../progress/follow-update';
import { renderStatus } from '../status/render-status';
import { statusJson } from '../status/status-json';
import { buildUpdateView } from '../status/update-view';
import { targetSuffix, withTarget } from '../targets/with-target';
import { tableOf, type Target } from '../target';
import { onUpdate, updateCommand, type UpdateSelection } from './update-command';

interface StatusOptions extends UpdateSelection {
  readonly watch?: boolean;
  readonly json?: boolean;
  readonly all?: boolean;
}

export function register(program: Command): void {
  updateCommand(program, 'status', 'where an update stands: phase, canary, waves, every node and service, what runs now and what to do next')
    .option('--watch', 'follow it live until it ends (plain lines when stdout is not a terminal); exit 0 if it succeeded, 1 if not')
    .option('--json', 'print {updateId, executionArn, status, phase, nodes, services} for scripts')
    .option('--all', "list the cluster's recent updates, newest first")
    .addHelpText('after', '\nExit code: 0 when the status could be read (whatever it says); with --watch, 0 if the update succeeded, 1 if not.\n\nExamples:\n  $ cluster-update status\n  $ cluster-update status analytics-7-2-0-20261125101500 --watch\n  $ cluster-update status --json | jq \'.services[] | select(.state == "FAILED")\'\n  $ cluster-update status --target aws --stack ClusterUpdate --cluster analytics --watch')
    .action(async (updateId: string | undefined, options: StatusOptions) => {
      if (options.all) {
        process.exitCode = await withTarget(options, (target) => listUpdates(target, options));
        return;
      }
      await onUpdate<StatusOptions>(async (target, id) => {
        const suffix = targetSuffix(options);
        if (options.watch) return followUpdate(target, id, { json: options.json, commandSuffix: suffix });
        const view = buildUpdateView(await readUpdate(target, id, { outages: true }), new Date(), suffix);
        process.stdout.write(options.json ? `${JSON.stringify(statusJson(view), null, 2)}\n` : renderStatus(view));
        return EXIT_OK;
      })(updateId, options);
    });
}

async function listUpdates(target: Target, options: StatusOptions): Promise<number> {
  const cluster = options.cluster ?? target.defaultCluster;
  if (!cluster) throw new InputError('status --all needs --cluster <name>');
  const updates = await new UpdateStore(tableOf(target)).listByCluster(cluster, 20);
  const rows = updates.map((u) => ({ updateId: u.updateId, status: u.status, phase: u.phase, release: u.release, previous: u.previous ?? null, createdAt: u.createdAt, ...(u.rollbackOf ? { rollbackOf: u.rollbackOf } : {}) }));
  if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length === 0) process.stdout.write(`cluster ${cluster} has no update yet\n`);
  else for (const r of rows) process.stdout.write(`${r.updateId.padEnd(50)} ${r.status.padEnd(10)} ${String(r.previous ?? '?')} → ${r.release.padEnd(10)} ${r.createdAt}${r.rollbackOf ? `  rollback of ${r.rollbackOf}` : ''}\n`);
  return EXIT_OK;
}

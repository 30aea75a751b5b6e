import type { Command } from 'commander';
import { InputError } from '../../core/errors';
import { EXIT_OK } from '../exit-codes';
import { targetOptions, type TargetOptions } from '../targets/target-options';
import { withTarget } from '../targets/with-target';
import { locksOf } from '../operations/target-locks';

interface UnlockOptions extends TargetOptions {
  readonly cluster?: string;
  readonly force?: boolean;
}

export function register(program: Command): void {
  targetOptions(
    program
      .command('unlock')
      .description("release a cluster's leader lock held by a failed, stopped or crashed update (advances the fence, so a late write of the old holder is rejected); refused while the holder's execution is RUNNING")
      .option('--cluster <name>', 'the cluster (local default: the simulated one)')
      .option('--force', 'required: releasing a lock lets another update start over whatever the holder left'),
  )
    .addHelpText('after', '\nExamples:\n  $ cluster-update unlock --force\n  $ cluster-update unlock --cluster analytics --force --target aws --stack ClusterUpdate')
    .action(async (options: UnlockOptions) => {
      process.exitCode = await withTarget(options, async (target) => {
        const cluster = options.cluster ?? target.defaultCluster;
        if (!cluster) throw new InputError('unlock needs --cluster <name>');
        const locks = locksOf(target);
        const current = await locks.get(cluster);
        if (!current || current.state === 'FREE') {
          process.stdout.write(`the lock of cluster ${cluster} is free; nothing to do\n`);
          return EXIT_OK;
        }
        const holder = `update ${current.updateId} (${current.state}, fence ${current.fence}, since ${current.acquiredAt})`;
        if (!options.force) throw new InputError(`the lock of cluster ${cluster} is held by ${holder}; add --force to release it`);
        // Refused (OwnerStillRunningError, exit 2) while the holder's execution is RUNNING: `stop --now` first.
        await locks.forceUnlock(cluster);
        process.stdout.write(`released the lock of cluster ${cluster}, held by ${holder}; the fence moved past ${current.fence}\n`);
        return EXIT_OK;
      });
    });
}

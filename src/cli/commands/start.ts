import type { Command } from 'commander';
import { InputError } from '../../core/errors';
import { parseManifest } from '../../core/manifest/parse-manifest';
import type { Manifest } from '../../core/manifest/schema';
import { EXIT_OK } from '../exit-codes';
import { readInputFile } from '../fleet-inputs';
import { startUpdate } from '../operations/start-update';
import { followUpdate } from '../progress/follow-update';
import { targetOptions, type TargetOptions } from '../targets/target-options';
import { targetSuffix, withTarget } from '../targets/with-target';

interface StartOptions extends TargetOptions {
  readonly manifest?: string;
  readonly updateId?: string;
  readonly skipCheck?: string[];
  readonly watch?: boolean;
  readonly json?: boolean;
}

export function register(program: Command): void {
  targetOptions(
    program
      .command('start')
      .description('start an update of the cluster named in the manifest (refused up front, nothing touched, when the input is bad or the cluster is held)')
      .option('-m, --manifest <file>', 'release manifest (YAML); with --target local, default: the one `local up` was started with')
      .option('--update-id <id>', 'name the update (default: <cluster>-<release>-<timestamp>); starting the same id again is idempotent')
      .option('--skip-check <hook...>', 'skip these skippable pre/post-update checks')
      .option('--watch', 'follow progress until the update ends; exit 0 if it succeeded, 1 if not')
      .option('--json', 'print JSON: {updateId, executionArn, …} (with --watch: the final status)'),
  )
    .addHelpText('after', '\nExamples:\n  $ cluster-update local up && cluster-update start --watch\n  $ cluster-update start -m release-7.2.0.yaml --skip-check disk-space\n  $ cluster-update start -m release.yaml --target aws --stack ClusterUpdate --region eu-west-1 --watch')
    .action(async (options: StartOptions) => {
      // Bad input fails before anything is contacted.
      const given = options.manifest ? loadManifest(options.manifest) : undefined;
      process.exitCode = await withTarget(options, async (target) => {
        const manifest = given ?? (target.defaultManifestPath ? loadManifest(target.defaultManifestPath) : undefined);
        if (!manifest) throw new InputError('start needs -m <manifest>');
        const started = await startUpdate(target, { manifest, updateId: options.updateId, skipChecks: options.skipCheck });
        const suffix = targetSuffix(options);
        if (options.watch) return followUpdate(target, started.updateId, { json: options.json, executionArn: started.executionArn, commandSuffix: suffix });
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ updateId: started.updateId, executionArn: started.executionArn, planHash: started.plan.planHash, canary: started.plan.canary, waves: started.plan.waves.length }, null, 2)}\n`);
        } else {
          const { plan } = started;
          process.stdout.write(
            `started update ${started.updateId}: ${manifest.cluster} ${manifest.previous ?? '?'} → ${manifest.release}\n` +
              `  execution ${started.executionArn}\n  plan ${plan.planHash.slice(0, 12)}: canary ${plan.canary}, ${plan.waves.length} waves, ${plan.serviceOrder.flat().length} services in ${plan.serviceOrder.length} levels\n` +
              `follow it: cluster-update status ${started.updateId} --watch${suffix}\n`,
          );
        }
        return EXIT_OK;
      });
    });
}

function loadManifest(file: string): Manifest {
  return parseManifest(readInputFile('manifest', file), file);
}

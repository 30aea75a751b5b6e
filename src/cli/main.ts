import { Command, CommanderError } from 'commander';
import { ClusterUpdateError } from '../core/errors';
import { EXIT_OK, exitCodeFor } from './exit-codes';
import { registerCommands } from './commands';

/**
 * Builds the `cluster-update` program; exported so tests can run it in-process. With `argv`, only the module of
 * the command it runs is loaded (see commands/index.ts); without, every command.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('cluster-update')
    .description('Update a whole cluster — platform and services — with a canary, rolling waves, a service DAG, checkpoints and resume.')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nTargets: --target local (default; the runtime `local up` started) or --target aws --stack <name> [--region R].\n' +
        'Exit codes: 0 ok; 1 the update failed or stopped; 2 bad input or refused before anything was touched.\n\n' +
        'Try it: cluster-update demo   or   cluster-update local up && cluster-update start --watch',
    )
    .exitOverride();
  await registerCommands(program, argv);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return exitCodeFor(error); // commander already printed it
    const message = error instanceof ClusterUpdateError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error);
    process.stderr.write(`cluster-update: ${message}\n`);
    return exitCodeFor(error);
  }
}

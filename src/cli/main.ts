import { Command, CommanderError } from 'commander';
import { EXIT_OK, exitCodeFor } from './exit-codes';
import { registerCommands } from './commands';
import { describeFailure } from './user-facing-errors';

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
    const failure = describeFailure(error);
    process.stderr.write(`cluster-update: ${failure.message}\n`);
    // The trace is for whoever debugs this code, never for the operator's terminal by default.
    if (process.env.CLUSTER_UPDATE_DEBUG === '1' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return failure.exitCode;
  }
}

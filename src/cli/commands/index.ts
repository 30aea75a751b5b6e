import type { Command } from 'commander';

/**
 * Every command lives in its own file under src/cli/commands and exports `register(program)`. Add new commands
 * to this table.
 *
 * Loading is lazy: a command module pulls in what its action needs (the AWS SDK clients, the local runtime),
 * which costs most of a second at start-up. So only the module of the command being run is loaded; every other
 * command is registered as a placeholder with its name and summary, which is all `--help` lists. The summary is
 * what the top-level help shows; the command's own description (in its module) is what `<command> --help` shows.
 * test/unit/cli/command-registry.test.ts checks the table and the modules agree.
 */
type Register = (program: Command) => void;

export interface CommandEntry {
  readonly name: string;
  /** One line for the top-level `--help`. */
  readonly summary: string;
  readonly load: () => Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'plan', summary: 'show what an update would do: canary, waves, service order, placement', load: async () => (await import('./plan')).register },
  { name: 'start', summary: 'start an update of the cluster named in the manifest', load: async () => (await import('./start')).register },
  { name: 'status', summary: 'where an update stands: phase, nodes, services, what to do next', load: async () => (await import('./status')).register },
  { name: 'resume', summary: 'continue a failed or stopped update without redoing finished steps', load: async () => (await import('./resume')).register },
  { name: 'stop', summary: 'stop a running update after the running wave (--now: at once)', load: async () => (await import('./stop')).register },
  { name: 'rollback', summary: "return the cluster to an update's previous release", load: async () => (await import('./rollback')).register },
  { name: 'report', summary: 'write an update as one self-contained HTML timeline', load: async () => (await import('./report')).register },
  { name: 'unlock', summary: "release a cluster's leader lock held by a failed or crashed update", load: async () => (await import('./unlock')).register },
  { name: 'schema', summary: 'print the JSON Schema of the manifest or the inventory (for editors)', load: async () => (await import('./schema')).register },
  { name: 'local', summary: 'run the embedded local stand-ins of AWS on 127.0.0.1 (up, down, fault)', load: async () => (await import('./local')).register },
  { name: 'demo', summary: 'run one update on a local simulated fleet, start to end, and tear down', load: async () => (await import('./demo')).register },
];

/**
 * Registers the commands. With `argv`, only the command it names is loaded (the rest are placeholders for the
 * help listing); without, every command is loaded (for tests that inspect the whole program).
 */
export async function registerCommands(program: Command, argv?: readonly string[]): Promise<void> {
  const wanted = argv === undefined ? undefined : requestedCommand(argv);
  for (const entry of COMMANDS) {
    if (wanted === undefined || wanted === entry.name) (await entry.load())(program);
    else program.command(entry.name).summary(entry.summary);
  }
}

/** The command `argv` runs (`help <command>` included); null for `--help`, `--version` or nothing. */
function requestedCommand(argv: readonly string[]): string | null {
  const words = argv.filter((word) => !word.startsWith('-'));
  const first = words[0] === 'help' ? words[1] : words[0];
  return first ?? null;
}

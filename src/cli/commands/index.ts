import type { Command } from 'commander';

/**
 * Every command lives in its own file under src/cli/commands and exports
 * `register(program)`. Add new commands to this list.
 */
type Register = (program: Command) => void;
const registrars: Register[] = [];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}

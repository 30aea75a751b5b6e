import type { Command } from 'commander';
import { register as registerDemo } from './demo';
import { register as registerLocal } from './local';
import { register as registerPlan } from './plan';

/**
 * Every command lives in its own file under src/cli/commands and exports
 * `register(program)`. Add new commands to this list.
 */
type Register = (program: Command) => void;
const registrars: Register[] = [registerPlan, registerDemo, registerLocal];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}

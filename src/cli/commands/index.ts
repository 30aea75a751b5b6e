import type { Command } from 'commander';
import { register as registerDemo } from './demo';
import { register as registerLocal } from './local';
import { register as registerPlan } from './plan';
import { register as registerReport } from './report';
import { register as registerResume } from './resume';
import { register as registerRollback } from './rollback';
import { register as registerStart } from './start';
import { register as registerStatus } from './status';
import { register as registerStop } from './stop';
import { register as registerUnlock } from './unlock';

/**
 * Every command lives in its own file under src/cli/commands and exports
 * `register(program)`. Add new commands to this list.
 */
type Register = (program: Command) => void;
const registrars: Register[] = [registerPlan, registerStart, registerStatus, registerResume, registerStop, registerRollback, registerReport, registerUnlock, registerLocal, registerDemo];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}

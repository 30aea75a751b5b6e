import { CommanderError } from 'commander';
import { LockHeldError } from '../aws/store/store-errors';
import { InputError } from '../core/errors';

/** DESIGN §6: 0 ok, 1 update failed (or any other failure), 2 bad input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** The one place where error classes become exit codes. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError) return EXIT_BAD_INPUT;
  // Refused up front, nothing touched: the operator must wait, resume the holder or unlock.
  if (error instanceof LockHeldError) return EXIT_BAD_INPUT;
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  return EXIT_FAILED;
}

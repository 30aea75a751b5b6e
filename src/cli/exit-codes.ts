import { CommanderError } from 'commander';
import { LockHeldError } from '../aws/store/store-errors';
import { ClusterUpdateError, InputError } from '../core/errors';

/**
 * DESIGN §6: 0 ok, 1 the update failed (commands return it; only an error
 * nobody foresaw is also 1), 2 bad input or a condition the operator must deal
 * with before anything can happen (a runtime that is down, a lock held, AWS
 * refusing the call): src/cli/user-facing-errors.ts words those.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** The one place where error classes become exit codes. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError) return EXIT_BAD_INPUT;
  // Refused up front, nothing touched: the operator must wait, resume the holder or unlock.
  if (error instanceof LockHeldError) return EXIT_BAD_INPUT;
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  // A named failure of ours that reaches the top level stopped the command, not an update (that is returned as 1).
  if (error instanceof ClusterUpdateError) return EXIT_BAD_INPUT;
  return EXIT_FAILED;
}

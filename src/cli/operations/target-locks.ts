import { sfnExecutionReader } from '../../aws/executions/execution-reader';
import { LockStore } from '../../aws/store/lock-store';
import { tableOf, type Target } from '../target';

/** The target's lock, able to ask Step Functions whether its holder's execution still runs. */
export function locksOf(target: Target): LockStore {
  return new LockStore({ ...tableOf(target), executions: sfnExecutionReader(target.clients.sfn) });
}

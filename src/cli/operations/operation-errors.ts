import { InputError } from '../../core/errors';

/** The command needs the update to have ended, and it is still running. */
export class UpdateRunningError extends InputError {
  public constructor(public readonly updateId: string, next: string) {
    super(`update ${updateId} is still running; ${next}`);
    this.name = 'UpdateRunningError';
  }
}

/** Resume of an update that has nothing left to do. */
export class NothingToResumeError extends InputError {
  public constructor(public readonly updateId: string, why: string) {
    super(`update ${updateId} ${why}`);
    this.name = 'NothingToResumeError';
  }
}

/** Only a running update can be stopped. */
export class NotRunningError extends InputError {
  public constructor(public readonly updateId: string, public readonly status: string) {
    super(`update ${updateId} is not running (it is ${status}); nothing to stop`);
    this.name = 'NotRunningError';
  }
}

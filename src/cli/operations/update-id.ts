import { InputError } from '../../core/errors';

/** Update ids are Step Functions execution names and DynamoDB keys. */
export const UPDATE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,79}$/;

export function assertUpdateId(updateId: string): string {
  if (!UPDATE_ID_PATTERN.test(updateId)) throw new InputError(`update id '${updateId}' must match [a-z0-9][a-z0-9-]{0,79}`);
  return updateId;
}

/** `<cluster>-<release dots→dashes>-<yyyymmddhhmmss>`: readable, sortable, unique per second. */
export function defaultUpdateId(cluster: string, release: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const releasePart = release.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${cluster}-${releasePart}-${stamp}`.slice(0, 80);
}

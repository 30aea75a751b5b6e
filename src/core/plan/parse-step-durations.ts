import { z } from 'zod';
import { InputError, ValidationError, type ValidationIssue } from '../errors';
import type { Manifest } from '../manifest/schema';
import type { StepDurations } from './makespan-bound';

const seconds = z.number({ message: 'must be a number of seconds' }).finite().min(0, { message: 'must be ≥ 0 seconds' });
const table = z.record(z.string(), seconds);

/** The measured step durations file (JSON), the StepDurations shape; objects strict so a typo is an error. */
export const stepDurationsSchema = z
  .object({
    platform: table.optional(),
    service: table.optional(),
    preHooks: table.optional(),
    postHooks: table.optional(),
    drain: seconds.optional(),
    rejoin: seconds.optional(),
    health: seconds.optional(),
  })
  .strict();

/** A durations file that is not JSON: the parser's own words, and the file. */
export class StepDurationsSyntaxError extends InputError {
  public readonly file: string;
  public constructor(file: string, reason: string) {
    super(`durations file ${file} is not JSON: ${reason}`);
    this.name = 'StepDurationsSyntaxError';
    this.file = file;
  }
}

/**
 * Measured step durations from a JSON file, in seconds (see StepDurations). Every name must be one of the
 * manifest's platform steps, services or hooks, so a renamed step cannot silently count as 0 s; a step the file
 * does not name takes 0 s.
 * @throws StepDurationsSyntaxError when the text is not JSON, ValidationError (path and problem) otherwise
 */
export function parseStepDurations(text: string, file: string, manifest: Manifest): StepDurations {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StepDurationsSyntaxError(file, (error as Error).message);
  }
  const parsed = stepDurationsSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      `durations file ${file}`,
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(top level)', message: issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')} (expected platform, service, preHooks, postHooks, drain, rejoin, health)` : issue.message })),
    );
  }
  const known: Record<'platform' | 'service' | 'preHooks' | 'postHooks', { names: Set<string>; what: string }> = {
    platform: { names: new Set(manifest.platform.map((p) => p.name)), what: 'platform step' },
    service: { names: new Set(manifest.services.map((s) => s.name)), what: 'service' },
    preHooks: { names: new Set(manifest.hooks.preUpdate.map((h) => h.name)), what: 'pre-update hook' },
    postHooks: { names: new Set(manifest.hooks.postUpdate.map((h) => h.name)), what: 'post-update hook' },
  };
  const issues: ValidationIssue[] = [];
  for (const [field, { names, what }] of Object.entries(known) as [keyof typeof known, (typeof known)[keyof typeof known]][]) {
    for (const name of Object.keys(parsed.data[field] ?? {})) if (!names.has(name)) issues.push({ path: `${field}.${name}`, message: `the manifest has no ${what} named '${name}'` });
  }
  if (issues.length > 0) throw new ValidationError(`durations file ${file}`, issues);
  return parsed.data;
}

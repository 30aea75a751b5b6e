import { ValidationError } from '../errors';
import { parseYamlDocument, zodIssues } from '../yaml/parse-yaml-document';
import { manifestSchema, type Manifest } from './schema';
import { validateManifest } from './validate-manifest';

/**
 * YAML text → a validated Manifest. Collects every schema problem before
 * throwing one ValidationError; then checks what spans fields (duplicates,
 * dependencies, cycles) — see validateManifest.
 */
export function parseManifest(text: string, source = 'manifest'): Manifest {
  return toManifest(parseYamlDocument(text, source), source);
}

/** Validates already-parsed data (e.g. a manifest read back from the update record). */
export function toManifest(data: unknown, source = 'manifest'): Manifest {
  const input = data ?? {};
  const parsed = manifestSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(source, zodIssues(parsed.error, manifestSchema, input));
  validateManifest(parsed.data, source);
  return parsed.data;
}

import { z, type ZodType } from 'zod';
import { IDENTIFIER_PATTERN, RELEASE_PATTERN } from '../manifest/schema';

/** A JSON Schema node (draft 2020-12), as zod's toJSONSchema writes them. */
interface JsonSchema {
  readonly type?: string;
  readonly anyOf?: readonly JsonSchema[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly minItems?: number;
}

/** Patterns of the manifest in words; any other pattern is shown as it is. */
const PATTERN_WORDS: Readonly<Record<string, string>> = {
  [IDENTIFIER_PATTERN.source]: 'a name of lowercase letters, digits and dashes ([a-z0-9][a-z0-9-]*)',
  [RELEASE_PATTERN.source]: 'a version such as 7.2.0 (letters, digits, . _ + -)',
  '^(100|[1-9][0-9]?)%$': 'a percentage such as "25%"',
};

const jsonSchemas = new WeakMap<ZodType, JsonSchema>();

/** The JSON Schema of the field at `path` (the input side: what a person writes), or undefined. */
export function schemaAtPath(schema: ZodType, path: readonly PropertyKey[]): JsonSchema | undefined {
  let node = jsonSchemas.get(schema);
  if (!node) {
    node = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    jsonSchemas.set(schema, node);
  }
  for (const key of path) {
    const branch: JsonSchema | undefined = node.anyOf ? node.anyOf.find((b) => (typeof key === 'number' ? b.items : b.properties?.[String(key)])) : node;
    const next: JsonSchema | undefined = typeof key === 'number' ? branch?.items : branch?.properties?.[String(key)];
    if (!next) return undefined;
    node = next;
  }
  return node;
}

/** What a schema accepts, in words: "an integer ≥ 0", "a list", "true or false", "\"auto\" or a name of …". */
export function describeExpected(schema: JsonSchema | undefined): string | undefined {
  if (!schema) return undefined;
  if (schema.anyOf) {
    const branches = schema.anyOf.map(describeExpected);
    return branches.every((b) => b !== undefined) ? branches.join(' or ') : undefined;
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return bounded(schema.type === 'integer' ? 'an integer' : 'a number', schema.minimum, schema.maximum);
    case 'boolean':
      return 'true or false';
    case 'string':
      if (schema.pattern) return PATTERN_WORDS[schema.pattern] ?? `a string matching ${schema.pattern}`;
      return schema.minLength ? 'a non-empty string' : 'a string';
    case 'array':
      if (schema.items?.type === 'object') return `a list of mappings${schema.minItems ? ` (at least ${schema.minItems})` : ''}`;
      return schema.items ? `a list, each ${describeExpected(schema.items) ?? 'item valid'}` : 'a list';
    case 'object': {
      const fields = Object.keys(schema.properties ?? {});
      return fields.length > 0 ? `a mapping (fields: ${fields.slice(0, 5).join(', ')}${fields.length > 5 ? ', …' : ''})` : 'a mapping';
    }
    default:
      return undefined;
  }
}

function bounded(what: string, minimum: number | undefined, maximum: number | undefined): string {
  const max = maximum !== undefined && maximum < Number.MAX_SAFE_INTEGER ? maximum : undefined;
  if (minimum !== undefined && max !== undefined) return `${what} from ${minimum} to ${max}`;
  if (minimum !== undefined) return `${what} ≥ ${minimum}`;
  if (max !== undefined) return `${what} ≤ ${max}`;
  return what;
}

/** What was found, short: `1.5`, `"two"`, `a list`, `a mapping`, `nothing`. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

export function valueAtPath(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

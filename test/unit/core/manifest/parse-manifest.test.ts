import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DependencyCycleError, ValidationError } from '../../../../src/core/errors';
import { parseManifest } from '../../../../src/core/manifest/parse-manifest';

const invalid = (name: string): string => readFileSync(join(__dirname, '../../../../examples/invalid', name), 'utf8');
const example = readFileSync(join(__dirname, '../../../../examples/analytics-cluster/release-7.2.0.yaml'), 'utf8');

function failure(text: string): ValidationError {
  try {
    parseManifest(text, 'm.yaml');
  } catch (error) {
    return error as ValidationError;
  }
  throw new Error('expected the manifest to be rejected');
}

describe('parseManifest', () => {
  it('reads the analytics example with defaults filled in', () => {
    const manifest = parseManifest(example);
    expect(manifest.release).toBe('7.2.0');
    expect(manifest.previous).toBe('7.1.3');
    expect(manifest.services.length).toBeGreaterThanOrEqual(12);
    expect(manifest.services.filter((s) => s.oneOff).length).toBeGreaterThanOrEqual(2);
    expect(manifest.policy.maxFailedNodes).toBe(0);
    expect(manifest.platform.find((s) => s.name === 'node-agent')?.selfUpdate).toBe(true);
  });

  it('names the whole cycle path', () => {
    const error = failure(invalid('cycle.yaml'));
    expect(error).toBeInstanceOf(DependencyCycleError);
    expect(error.message).toBe('dependency cycle: query-planner -> tql -> search -> query-planner');
    expect((error as unknown as DependencyCycleError).path).toEqual(['query-planner', 'tql', 'search', 'query-planner']);
  });

  it('names an unknown dependency, where it is, and the near miss', () => {
    const error = failure(invalid('unknown-dependency.yaml'));
    expect(error.issues).toEqual([{ path: 'services[1].dependsOn[0]', message: "unknown service 'serch' (did you mean 'search'?)" }]);
  });

  it('names a duplicate and where the first one is', () => {
    expect(failure(invalid('duplicate-name.yaml')).issues).toEqual([{ path: 'services[2].name', message: "duplicate name 'search' (first at services[0])" }]);
  });

  it('rejects shell metacharacters in a name', () => {
    const error = failure(invalid('bad-identifier.yaml'));
    expect(error.issues[0]?.path).toBe('services[0].name');
    expect(error.issues[0]?.message).toMatch(/\[a-z0-9\]\[a-z0-9-\]\*/);
  });

  it('rejects a percentage over 100%', () => {
    const error = failure(invalid('bad-percentage.yaml'));
    expect(error.issues[0]).toMatchObject({ path: 'policy.maxInFlight' });
    expect(error.issues[0]?.message).toMatch(/percentage/);
  });

  it('rejects an unknown field by name', () => {
    expect(failure(invalid('unknown-field.yaml')).issues).toContainEqual({ path: 'services[0].dependson', message: "unknown field 'dependson'" });
  });

  it('reports YAML syntax errors with a line number', () => {
    const error = failure(invalid('bad-yaml.yaml'));
    expect(error.issues[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(error.message).toContain('m.yaml is invalid');
  });

  it('rejects a self-dependency, a one-off without run and two self-updating steps together', () => {
    const error = failure(`
release: "1.0.0"
cluster: c
platform:
  - { name: a, run: x, selfUpdate: true }
  - { name: b, run: x, selfUpdate: true }
services:
  - { name: s, dependsOn: [s] }
  - { name: m, oneOff: true }
`);
    expect(error.issues.map((i) => i.path)).toEqual(['services[0].dependsOn[0]', 'services[1].run', 'platform']);
  });

  it('rejects a missing release and a bad cluster name', () => {
    const error = failure('cluster: "Prod East"\n');
    expect(error.issues.map((i) => i.path).sort()).toEqual(['cluster', 'release']);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(__dirname, '../../../bin/cluster-update.js');
const directory = mkdtempSync(join(tmpdir(), 'cluster-update-hostile-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const MANIFEST = 'release: "2.0.0"\nprevious: "1.0.0"\ncluster: c\nservices:\n  - { name: web }\n  - { name: search }\n';
const INVENTORY = 'nodes:\n  - { id: n1, services: [web, search] }\n  - { id: n2, services: [web, search] }\n';

/** "Billion laughs": nine levels of nine aliases each expand to 9^9 strings. */
function aliasBomb(rootKey: string): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let level = 1; level <= 9; level += 1) lines.push(`a${level}: &a${level} [${Array(9).fill(`*a${level - 1}`).join(', ')}]`);
  lines.push(`${rootKey}: *a9`);
  return `${lines.join('\n')}\n`;
}

function utf16(text: string, bigEndian: boolean): Buffer {
  const little = Buffer.from(`\ufeff${text}`, 'utf16le');
  return bigEndian ? little.swap16() : little;
}

interface HostileCase {
  readonly name: string;
  readonly manifest?: string | Buffer;
  readonly inventory?: string | Buffer;
  /** Each must appear in the error line. */
  readonly says: readonly (string | RegExp)[];
  /** Commands to try (default plan). */
  readonly commands?: readonly ('plan' | 'start')[];
}

const cases: readonly HostileCase[] = [
  { name: 'an alias bomb in a manifest', manifest: aliasBomb('services'), says: ['alias', /YAML/], commands: ['plan', 'start'] },
  { name: 'an alias bomb in an inventory', inventory: aliasBomb('nodes'), says: ['alias', /YAML/] },
  { name: 'minHealthy: 1.5', manifest: MANIFEST.replace('{ name: web }', '{ name: web, minHealthy: 1.5 }'), says: ['services[0].minHealthy', 'expected an integer ≥ 0', 'got 1.5'] },
  { name: 'minHealthy: "two"', manifest: MANIFEST.replace('{ name: web }', '{ name: web, minHealthy: "two" }'), says: ['services[0].minHealthy', 'expected an integer ≥ 0', 'got "two"'] },
  { name: 'services as a map', manifest: 'release: "2.0.0"\ncluster: c\nservices:\n  web: { minHealthy: 1 }\n', says: ['services:', 'expected a list', 'got a mapping'] },
  { name: 'dependsOn: search (not a list)', manifest: MANIFEST.replace('{ name: web }', '{ name: web, dependsOn: search }'), says: ['services[0].dependsOn', 'expected a list', 'got "search"'] },
  { name: 'an inventory with healthy: "yes"', inventory: 'nodes:\n  - { id: n1, services: [web, search], healthy: "yes" }\n', says: ['nodes[0].healthy', 'expected true or false', 'got "yes"'] },
  { name: 'a manifest that is a list', manifest: '- release: "2.0.0"\n- cluster: c\n', says: ['(root)', 'expected a mapping', 'got a list'] },
  { name: 'a release given as a number', manifest: MANIFEST.replace('"2.0.0"', '2.5'), says: ['release', 'expected a version such as 7.2.0', 'got 2.5'] },
  { name: 'a missing required field', manifest: 'cluster: c\n', says: ['release', 'expected a version such as 7.2.0', 'got nothing'] },
  { name: 'a bad identifier', manifest: MANIFEST.replace('{ name: web }', '{ name: Web }'), says: ['services[0].name', '[a-z0-9][a-z0-9-]*', 'got "Web"'] },
  { name: 'a UTF-16 LE manifest (with BOM)', manifest: utf16(MANIFEST, false), says: ['UTF-16', 'UTF-8'] },
  { name: 'a UTF-16 BE inventory (with BOM)', inventory: utf16(INVENTORY, true), says: ['UTF-16', 'UTF-8'] },
  { name: 'a UTF-16 manifest without a BOM', manifest: Buffer.from(MANIFEST, 'utf16le'), says: ['UTF-8'] },
  { name: 'bytes that are not UTF-8', manifest: Buffer.concat([Buffer.from('release: "2.0.0"\ncluster: c\n# '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n')]), says: ['not valid UTF-8', 'byte 31'] },
  { name: 'a 5 MB manifest', manifest: `${MANIFEST}services2:\n${'  - { name: x, minHealthy: 1.5 }\n'.repeat(160_000)}`, says: ['MiB', 'at most 1 MiB'] },
  { name: 'brackets nested 50,000 deep', manifest: `services: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, says: [/nest/] },
];

function run(args: readonly string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CLUSTER_UPDATE_HOME: join(directory, 'no-runtime') }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

/**
 * Hostile input, table by table, on the real binary: exit code 2, one line on stderr that names the field
 * path, what was expected and what was found, no JavaScript stack trace, nothing on stdout.
 */
describe('hostile input: exit 2 with one clear line', () => {
  cases.forEach((hostile, index) => {
    for (const command of hostile.commands ?? ['plan']) {
      it(`${hostile.name} (${command})`, () => {
        const manifest = join(directory, `m${index}.yaml`);
        const inventory = join(directory, `i${index}.yaml`);
        writeFileSync(manifest, hostile.manifest ?? MANIFEST);
        writeFileSync(inventory, hostile.inventory ?? INVENTORY);
        // `start` reads the inventory from the target (the local runtime, or node tags on AWS).
        const result = run(command === 'plan' ? [command, '-m', manifest, '--inventory', inventory] : [command, '-m', manifest]);
        expect(result.status, result.stderr).toBe(2);
        expect(result.stdout).toBe('');
        const lines = result.stderr.trimEnd().split('\n');
        expect(lines, result.stderr).toHaveLength(1);
        expect(result.stderr).not.toMatch(/^\s+at /m);
        expect(result.stderr).not.toMatch(/\b(ReferenceError|RangeError|TypeError)\b/);
        for (const expected of hostile.says) {
          if (typeof expected === 'string') expect(lines[0]).toContain(expected);
          else expect(lines[0]).toMatch(expected);
        }
        expect(result.ms).toBeLessThan(10_000);
      });
    }
  });

  it('many problems: the first 20 are listed, then "and N more"', () => {
    const manifest = join(directory, 'many.yaml');
    writeFileSync(manifest, `release: "2.0.0"\ncluster: c\nservices:\n${Array.from({ length: 250 }, (_, i) => `  - { name: s${i}, minHealthy: -1 }`).join('\n')}\n`);
    const result = run(['plan', '-m', manifest, '--inventory', join(directory, 'i0.yaml')]);
    expect(result.status).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toContain('250 problems');
    expect(lines.slice(1, 21).every((line) => /^ {2}- services\[\d+\]\.minHealthy: expected an integer ≥ 0, got -1$/.test(line))).toBe(true);
    expect(lines[21]).toBe('  … and 230 more');
    expect(lines).toHaveLength(22);
  });

  it('a UTF-8 byte order mark is accepted', () => {
    const manifest = join(directory, 'bom.yaml');
    writeFileSync(manifest, `\ufeff${MANIFEST}`);
    writeFileSync(join(directory, 'bom-inventory.yaml'), INVENTORY);
    const result = run(['plan', '-m', manifest, '--inventory', join(directory, 'bom-inventory.yaml'), '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).release).toBe('2.0.0');
  });
});

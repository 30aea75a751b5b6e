import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = join(__dirname, '../../..');

/**
 * The package installs the way operators install a CLI: `npm pack`, then `npm i -g` of the tarball into a
 * prefix of its own, then `cluster-update` run by its shebang from a directory that is not the repository.
 * What runs is what ships: the compiled dist/ (test/global-setup.ts compiled it; packing with
 * --ignore-scripts does not rebuild it under the feet of tests running beside this one), the schemas, the
 * examples, the handlers the local runtime loads.
 */
describe('the npm package, installed globally', () => {
  let work: string;
  let prefix: string;
  let installed: string;
  let elsewhere: string;
  // The installed binary runs on the Node running this test (its shebang is `env node`).
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, NO_COLOR: '1', CLUSTER_UPDATE_HOME: '' };
  const cli = (args: readonly string[], timeout = 60_000) => exec(join(prefix, 'bin', 'cluster-update'), [...args], { cwd: elsewhere, env, timeout, maxBuffer: 16 * 1024 * 1024 });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cluster-update-package-'));
    prefix = join(work, 'prefix');
    elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: root, env, timeout: 120_000 });
    const tarball = readdirSync(work).find((name) => /^cluster-update-.*\.tgz$/.test(name));
    expect(tarball).toBeDefined();
    // --prefer-offline: the dependencies are the ones `npm ci` just put in the cache.
    await exec('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!)], { cwd: elsewhere, env, timeout: 240_000 });
    installed = join(prefix, 'lib', 'node_modules', 'cluster-update');
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('answers --help and plans the shipped example from another directory', async () => {
    const help = await cli(['--help']);
    expect(help.stdout).toContain('Usage: cluster-update');
    expect(help.stdout).toMatch(/^\s+schema\s/m);
    const examples = join(installed, 'examples', 'analytics-cluster');
    const plan = await cli(['plan', '-m', join(examples, 'release-7.2.0.yaml'), '--inventory', join(examples, 'inventory.yaml'), '--json']);
    expect(JSON.parse(plan.stdout)).toMatchObject({ canary: 'node-1', waves: [['node-2', 'node-3'], ['node-4', 'node-5'], ['node-6']] });
  });

  it('runs the compiled code, not the TypeScript sources', () => {
    expect(readdirSync(join(installed, 'dist', 'src', 'cli'))).toContain('main.js');
    expect(readFileSync(join(installed, 'bin', 'cluster-update.js'), 'utf8')).toContain("'dist', 'src', 'cli', 'main.js'");
  });

  it('ships schema files equal to what `cluster-update schema` prints', async () => {
    for (const kind of ['manifest', 'inventory']) {
      const printed = (await cli(['schema', kind])).stdout;
      expect(readFileSync(join(installed, 'schemas', `${kind}.schema.json`), 'utf8'), `${kind}: run npm run schemas`).toBe(printed);
    }
  });

  it('runs `demo` to the end from another directory: synth, compiled handlers, DynamoDB Local, the simulated fleet', async () => {
    // A two-node release keeps this under a minute on a quiet machine; the full example is test/integration/cli/demo.test.ts.
    // No canary watch: the default of 60 s took half of this test's time, and what is tested here is the install.
    writeFileSync(
      join(elsewhere, 'release.yaml'),
      'release: "2.0.0"\nprevious: "1.0.0"\ncluster: tiny\npolicy: { canaryWatchSeconds: 0 }\nplatform:\n  - { name: system-packages, run: \'cu-node platform install system-packages "$CU_RELEASE"\' }\nservices:\n  - { name: web, minHealthy: 1 }\n',
    );
    writeFileSync(join(elsewhere, 'inventory.yaml'), 'nodes:\n  - { id: node-1, services: [web] }\n  - { id: node-2, services: [web] }\n');
    const demo = await cli(['demo', '-m', 'release.yaml', '--inventory', 'inventory.yaml', '--json'], 240_000);
    const outcome = JSON.parse(demo.stdout) as { status: string; nodes: { release: string }[]; services: { state: string }[] };
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.nodes.map((n) => n.release)).toEqual(['2.0.0', '2.0.0']);
    expect(outcome.services.map((s) => s.state)).toEqual(['UPDATED']);
    expect(readdirSync(elsewhere).sort()).toEqual(['inventory.yaml', 'release.yaml']); // nothing left behind in the working directory
  }, 300_000);
});

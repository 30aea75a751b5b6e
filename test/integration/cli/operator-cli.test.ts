import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeStacksStandIn } from '../../fixtures/cloudformation/describe-stacks-stand-in';
import { EXAMPLE_STEPS, SMALL_SERVICES, smallManifestYaml, writeSmallCluster } from '../workflow/small-cluster';
import { CliHarness } from './cli-harness';

const root = join(__dirname, '../../..');
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`); // an escape sequence: no colours or cursor moves in piped output

interface FleetNode {
  id: string;
  release: string | null;
  root: string;
  services: { name: string; release: string; running: boolean; healthy: boolean }[];
}

/**
 * The operator's commands end to end: the real binary, against a `local up`
 * runtime (the synthesized state machine, DynamoDB Local, the SSM emulator
 * and a fleet of real processes), with faults injected through `local fault`.
 * The tests run in order and share one cluster, as an operator's day would.
 *
 * The cluster is the three-node small one with the example's platform steps and hooks (`writeSmallCluster`):
 * the day runs five updates, which on the six-node example took 380 s of the suite. The example itself goes
 * through the CLI end to end in demo.test.ts.
 */
describe('cluster-update CLI on the local runtime', () => {
  let runDirectory: string;
  let cli: CliHarness;
  /** A later release whose one-off `compact` declares no rollback. */
  let irreversible: string;

  const fleet = async (): Promise<FleetNode[]> => {
    const state = JSON.parse(readFileSync(join(runDirectory, 'state.json'), 'utf8')) as { endpoints: { fleet: string } };
    return (await (await fetch(`${state.endpoints.fleet}/nodes`)).json()) as FleetNode[];
  };
  const updateIds = async (): Promise<string[]> => (JSON.parse((await cli.run(['status', '--all', '--json'])).stdout) as { updateId: string }[]).map((u) => u.updateId);

  beforeAll(async () => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-cli-'));
    cli = new CliHarness(runDirectory);
    irreversible = join(runDirectory, 'release-7.3.0-irreversible.yaml');
    const compact = '  - { name: compact, oneOff: true, dependsOn: [migrate], run: cu-node oneoff run compact "$CU_RELEASE" }';
    writeFileSync(irreversible, smallManifestYaml({ ...EXAMPLE_STEPS, release: '7.3.0', previous: '7.2.0', services: `${SMALL_SERVICES}\n${compact}` }));
    const up = await cli.run(['local', 'up', '--no-persistent', ...writeSmallCluster(runDirectory)]);
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    await cli?.run(['local', 'down']);
    rmSync(runDirectory, { recursive: true, force: true });
  });

  it('bad input exits 2 with a message naming the problem, and starts nothing', async () => {
    const missing = await cli.run(['start', '-m', join(runDirectory, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/manifest file .*nope\.yaml: not found/);
    expect(missing.stdout).toBe('');

    const broken = join(runDirectory, 'broken.yaml');
    writeFileSync(broken, readFileSync(join(root, 'examples/analytics-cluster/release-7.2.0.yaml'), 'utf8').replace('dependsOn: [tql, metadata]', 'dependsOn: [tql, metadta]'));
    const invalid = await cli.run(['start', '-m', broken]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/unknown service 'metadta'.*did you mean 'metadata'/);

    const unknown = await cli.run(['status', 'no-such-update']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no update with id no-such-update');

    const noStack = await cli.run(['status', '--target', 'aws']);
    expect(noStack.code).toBe(2);
    expect(noStack.stderr).toContain('--target aws needs --stack');

    const skip = await cli.run(['start', '--skip-check', 'cluster-health']);
    expect(skip.code).toBe(2);
    expect(skip.stderr).toContain('hook cluster-health cannot be skipped');

    const elsewhere = await cli.run(['status', '--run-dir', join(runDirectory, 'not-there')]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain('the local runtime is not running');

    expect(await updateIds()).toEqual([]);
  });

  it('start --watch follows a canary failure in plain lines and exits 1; the rest is untouched, the lock refuses another start until unlock --force', async () => {
    // A platform step on the canary stops the update (a one-off failing there would be a service failure, issue #12).
    expect((await cli.run(['local', 'fault', 'fail', '--operation', 'platform-install', '--name', 'python-packages', '--node', 'node-1', '--message', 'index schema conflict'])).code).toBe(0);
    const watched = await cli.run(['start', '--update-id', 'u-fail', '--watch']);
    expect(watched.code, watched.stderr).toBe(1);
    expect(watched.stdout).not.toMatch(ANSI);
    expect(watched.stdout).toMatch(/^\[ *\d+s\] update u-fail: small 7\.1\.3 → 7\.2\.0$/m);
    expect(watched.stdout).toMatch(/^\[ *\d+s\] node node-1 FAILED \(canary\)$/m);
    expect(watched.stdout).toMatch(/error: CanaryFailedError: canary node-1 failed at platform-python-packages: .*index schema conflict/);
    expect(watched.stdout).toContain('cluster-update resume u-fail');
    const lines = watched.stdout.split('\n').filter(Boolean);
    expect(lines.filter((line, i) => i > 0 && line === lines[i - 1])).toEqual([]); // a line per change, never twice

    const status = await cli.status('u-fail');
    expect(status).toMatchObject({ updateId: 'u-fail', status: 'FAILED', phase: 'canary' });
    expect(status.nodes.find((n) => n.id === 'node-1')?.state).toBe('FAILED');
    const others = (await fleet()).filter((n) => n.id !== 'node-1');
    expect(others.map((n) => n.release)).toEqual(Array(2).fill('7.1.3'));
    expect(others.flatMap((n) => n.services).every((s) => s.release === '7.1.3' && s.healthy)).toBe(true);

    const another = await cli.run(['start', '--update-id', 'u-other']);
    expect(another.code).toBe(2);
    expect(another.stderr).toMatch(/held by update u-fail .*cluster-update resume u-fail.*unlock --force/);
    const locked = await cli.run(['unlock']);
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/held by update u-fail \(PARKED.*add --force/);
    const unlocked = await cli.run(['unlock', '--force']);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toMatch(/released the lock of cluster small, held by update u-fail \(PARKED, fence \d+/);
    expect((await cli.run(['unlock'])).stdout).toContain('is free; nothing to do');
  });

  it('resume after the fix finishes the update in a new execution under the same id, without redoing the canary\'s finished steps', async () => {
    // What the canary finished before its platform step failed ran on the node once, and is not run again.
    const canaryInstalls = async (step: string) => {
      const state = JSON.parse(readFileSync(join(runDirectory, 'state.json'), 'utf8')) as { endpoints: { fleet: string } };
      const operations = (await (await fetch(`${state.endpoints.fleet}/operations`)).json()) as { node: string; operation: string; name?: string; ok: boolean }[];
      return operations.filter((o) => o.ok && o.node === 'node-1' && o.operation === 'platform-install' && o.name === step).length;
    };
    expect(await canaryInstalls('system-packages')).toBe(1);
    expect(await canaryInstalls('python-packages')).toBe(0);
    await cli.run(['local', 'fault', 'clear']);
    const resumed = await cli.run(['resume', 'u-fail', '--watch']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed update u-fail \(new execution\): .*failure path/);
    expect(resumed.stdout).toContain('u-fail: SUCCEEDED');
    const status = await cli.status('u-fail');
    expect(status.status).toBe('SUCCEEDED');
    expect(status.services.every((s) => s.state === 'UPDATED')).toBe(true);
    expect(status.executionArn).toMatch(/:u-fail-r[a-z0-9]+$/);
    const again = await cli.run(['start', '--update-id', 'u-fail']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('update u-fail already ran (SUCCEEDED)');
    expect(await canaryInstalls('system-packages')).toBe(1); // finished before the failure: not run again
    expect(await canaryInstalls('python-packages')).toBe(1); // the step that failed, run once more by the resume
    const nodes = await fleet();
    expect(nodes.map((n) => n.release)).toEqual(Array(3).fill('7.2.0'));
    expect(nodes.flatMap((n) => n.services).every((s) => s.release === '7.2.0' && s.healthy)).toBe(true);
  });

  it('report writes one self-contained HTML timeline of the update, failure and resume included', async () => {
    const file = join(runDirectory, 'u-fail.html');
    const report = await cli.run(['report', 'u-fail', '-o', file]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/wrote .*u-fail\.html: update u-fail, SUCCEEDED, \d+ steps on the timeline/);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('u-fail');
    expect(html).toContain('platform-python-packages'); // the canary step that failed, then succeeded on resume
    expect(html).not.toMatch(/(src|href)=["']https?:/);
    const noOutput = await cli.run(['report', 'u-fail']);
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toContain("required option '-o, --output <file.html>' not specified");
  });

  it('rollback returns every node and service to the previous release and undoes the migrations', async () => {
    const rolled = await cli.run(['rollback', 'u-fail', '--watch']);
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(rolled.stdout).toMatch(/rolling back u-fail as update u-fail-rollback: small 7\.2\.0 → 7\.1\.3; one-offs undone: migrate$/m);
    const nodes = await fleet();
    expect(nodes.map((n) => n.release)).toEqual(Array(3).fill('7.1.3'));
    expect(nodes.flatMap((n) => n.services).every((s) => s.release === '7.1.3' && s.healthy)).toBe(true);
    for (const node of nodes) expect(existsSync(join(node.root, 'var/lib/oneoffs/migrate'))).toBe(false);
    const listed = JSON.parse((await cli.run(['status', '--all', '--json'])).stdout) as { updateId: string; rollbackOf?: string; status: string }[];
    expect(listed[0]).toMatchObject({ updateId: 'u-fail-rollback', rollbackOf: 'u-fail', status: 'SUCCEEDED' });
  });

  it('a graceful stop lets the running wave finish, ends STOPPED, and resume completes it', async () => {
    await cli.run(['local', 'fault', 'slow', '--operation', 'platform-install', '--delay-ms', '1200']);
    const started = await cli.run(['start', '--update-id', 'u-stop']);
    expect(started.code, started.stderr).toBe(0);
    await cli.waitFor('u-stop', (s) => s.nodes.filter((n) => n.state !== 'PENDING').length >= 2);
    const stop = await cli.run(['stop', 'u-stop', '--watch']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain('stop requested for u-stop');
    const stopped = await cli.status('u-stop');
    expect(stopped.status).toBe('STOPPED');
    expect(stopped.nodes.filter((n) => n.state === 'UPDATING')).toEqual([]); // no node left half-way
    expect(stopped.nodes.some((n) => n.state === 'PENDING')).toBe(true);
    const again = await cli.run(['stop', 'u-stop']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not running');

    await cli.run(['local', 'fault', 'clear']);
    const resumed = await cli.run(['resume', 'u-stop', '--watch']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await fleet()).map((n) => n.release)).toEqual(Array(3).fill('7.2.0'));
  });

  it('stop --now cancels what runs and parks the lock; resume redrives the same execution and finishes', async () => {
    await cli.run(['local', 'fault', 'slow', '--operation', 'platform-install', '--delay-ms', '4000']);
    expect((await cli.run(['start', '-m', irreversible, '--update-id', 'u-now'])).code).toBe(0);
    await cli.waitFor('u-now', (s) => s.nodes.some((n) => n.state === 'UPDATING'));
    await new Promise((r) => setTimeout(r, 1000)); // a platform command is in flight
    const stopped = await cli.run(['stop', 'u-now', '--now']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/stopped update u-now now; cancelled [1-9]\d* running command/);
    const status = await cli.status('u-now');
    expect(status.status).toBe('STOPPED');

    const refused = await cli.run(['unlock']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/held by update u-now \(PARKED/);

    await cli.run(['local', 'fault', 'clear']);
    const resumed = await cli.run(['resume', 'u-now', '--watch']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('(RedriveExecution)');
    expect((await fleet()).map((n) => n.release)).toEqual(Array(3).fill('7.3.0'));
  });

  it('rollback is refused up front when a finished one-off has no rollback command', async () => {
    const refused = await cli.run(['rollback', 'u-now']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/rollback of u-now refused: one-off compact has run and declares no `rollback` command/);
    expect(await updateIds()).not.toContain('u-now-rollback');
    expect((await fleet()).map((n) => n.release)).toEqual(Array(3).fill('7.3.0'));
  });

  it('--target aws reads the stack outputs through CloudFormation and reaches the same records as --target local', async () => {
    const state = JSON.parse(readFileSync(join(runDirectory, 'state.json'), 'utf8')) as { tableName: string; stateMachineArn: string; documentName: string; endpoints: Record<string, string> };
    const cloudformation = await DescribeStacksStandIn.start({ ClusterUpdate: { TableName: state.tableName, StateMachineArn: state.stateMachineArn, DocumentName: state.documentName } });
    try {
      const aws = {
        AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url, AWS_ENDPOINT_URL_DYNAMODB: state.endpoints.dynamodb, AWS_ENDPOINT_URL_SFN: state.endpoints.stepfunctions,
        AWS_ENDPOINT_URL_SSM: state.endpoints.ssm, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1', CLUSTER_UPDATE_HOME: join(runDirectory, 'unused'),
      };
      const viaAws = await cli.run(['status', 'u-now', '--json', '--target', 'aws', '--stack', 'ClusterUpdate'], 30_000, aws);
      expect(viaAws.code, viaAws.stderr).toBe(0);
      const local = await cli.status('u-now');
      const { nodes: _reportedByTheFleet, ...sameRecords } = local;
      expect(JSON.parse(viaAws.stdout)).toMatchObject(sameRecords);
      expect(cloudformation.requests).toEqual(['DescribeStacks ClusterUpdate']);

      const text = await cli.run(['status', 'u-now', '--target', 'aws', '--stack', 'ClusterUpdate'], 30_000, aws);
      expect(text.stdout).toContain('cluster-update report u-now -o update.html --target aws --stack ClusterUpdate');

      const missing = await cli.run(['status', '--target', 'aws', '--stack', 'Nope', '--cluster', 'small'], 30_000, aws);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('stack Nope: does not exist in this account and region');
    } finally {
      await cloudformation.stop();
    }
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExecutionLog } from '../../src/core/step-runner/execution-log';
import { STEP_RUNNER_FILES, stepRunnerParameters, type StepKind } from '../../src/core/step-runner/step-runner-contract';
import { resolveScript, type SsmDocumentContent } from '../../src/local/ssm/ssm-document';
import { localTemplate } from '../fixtures/local-template';
import { commandDocuments } from '../../src/local/template/command-documents';
import { programShims, type ProgramShims } from '../fixtures/program-shims';

/**
 * The synthesized step-runner document as a node runs it: the agent writes the resolved commands to
 * `<orchestration dir>/<command id>/…/_script.sh` and runs it (aws:runShellScript,
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript).
 *
 * What the runner does around the step's own command is time on the critical path of every step (a node starting
 * processes slowly, a busy node, makes it seconds per update), so it is held to the processes it needs: flock (one
 * run per step), base64 (the command arrives encoded), the command's bash, and one rm (the in-progress marker and
 * the command's file); mkdir only for the first step of an update. Each external program the runner may call is
 * a logging shim first on PATH here, so the count is the runner's, not a guess.
 */
describe('the step runner document on a node', () => {
  let scratch: string;
  let document: SsmDocumentContent;
  let shims: ProgramShims;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cu-step-runner-'));
    document = commandDocuments(localTemplate())[0]!.content;
    shims = programShims(scratch, ['flock', 'base64', 'rm', 'mkdir', 'date', 'grep', 'head', 'mktemp', 'cat', 'sed', 'awk', 'tr', 'cut']);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Runs one step on the node root `root` as the agent would, returning the programs the runner started. */
  function runStep(root: string, commandId: string, step: { kind: StepKind; step: string; script: string; updateId?: string }, env: Record<string, string> = {}) {
    const { script } = resolveScript(document, stepRunnerParameters({ updateId: step.updateId ?? 'u-1', kind: step.kind, step: step.step, release: '2.0.0', previous: '1.0.0', script: step.script }));
    const directory = join(root, 'var/lib/amazon/ssm/i-0123/document/orchestration', commandId, 'runStep');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, '_script.sh'), script, { mode: 0o700 });
    shims.reset();
    const result = spawnSync('bash', [join(directory, '_script.sh')], { cwd: directory, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: `${shims.directory}:${process.env.PATH}`, HOME: root, CU_NODE_ROOT: root, ...env } });
    return { ...result, started: shims.started() };
  }

  const commandId = (n: number) => `0000000${n}-aaaa-bbbb-cccc-dddddddddddd`;
  const executions = (root: string) => parseExecutionLog(readFileSync(join(root, STEP_RUNNER_FILES.executionLog), 'utf8'));

  it('starts only flock, base64 and one rm around a step (mkdir for the first step of an update); the command runs once, and a duplicate finds it done', () => {
    const root = join(scratch, 'node-a');
    const first = runStep(root, commandId(1), { kind: 'platform', step: 'config', script: `echo ran >> '${root}/side-effect'` });
    expect(first.status).toBe(0);
    expect(first.started.sort()).toEqual(['base64', 'flock', 'mkdir', 'rm']);
    const second = runStep(root, commandId(2), { kind: 'platform', step: 'python-packages', script: 'true' });
    expect(second.status).toBe(0);
    expect(second.started.sort()).toEqual(['base64', 'flock', 'rm']);
    const duplicate = runStep(root, commandId(3), { kind: 'platform', step: 'config', script: `echo ran >> '${root}/side-effect'` });
    expect(duplicate.stdout).toMatch(/^cluster-update: platform config already done at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(readFileSync(join(root, 'side-effect'), 'utf8')).toBe('ran\n');
    // Nothing left of the command's file or the in-progress marker; the ledger holds the step.
    expect(readFileSync(join(root, STEP_RUNNER_FILES.ledger, 'u-1', 'platform--config'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    expect(existsSync(join(root, STEP_RUNNER_FILES.inProgress, 'u-1--platform--config'))).toBe(false);
    expect(existsSync(join(root, STEP_RUNNER_FILES.locks, 'u-1--platform--config.sh'))).toBe(false);
    expect(executions(root).map((e) => [e.commandId, e.step, e.exitCode])).toEqual([
      [commandId(1), 'config', 0],
      [commandId(2), 'python-packages', 0],
    ]);
  });

  it.each([
    ['with EPOCHREALTIME (bash 5)', {}],
    ['on a bash without EPOCHREALTIME (date instead)', { BASH_ENV: 'UNSET_EPOCHREALTIME' }],
  ])('stamps the execution log in UTC with milliseconds, whatever the node’s time zone, %s', (_, extra: Record<string, string>) => {
    const root = join(scratch, `node-tz-${Object.keys(extra).length}`);
    const env: Record<string, string> = { TZ: 'Pacific/Kiritimati' }; // UTC+14: a local time would be off by 14 hours
    if (extra.BASH_ENV) {
      // BASH_ENV is read before a non-interactive script runs: there, EPOCHREALTIME is gone as on bash 4.
      env.BASH_ENV = join(scratch, 'unset-epochrealtime.sh');
      writeFileSync(env.BASH_ENV, 'unset EPOCHREALTIME\n');
    }
    const before = Date.now();
    const run = runStep(root, commandId(4), { kind: 'health', step: 'services', script: 'exit 3' }, env);
    const after = Date.now();
    expect(run.status).toBe(3);
    if (extra.BASH_ENV) expect(run.started).toContain('date');
    else expect(run.started).not.toContain('date');
    const [execution] = executions(root);
    expect(execution).toMatchObject({ commandId: commandId(4), kind: 'health', step: 'services', exitCode: 3 });
    for (const stamp of [execution!.startedAt, execution!.endedAt!]) {
      expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(stamp)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(stamp)).toBeLessThanOrEqual(after + 1000);
    }
    // A failed step is not ledgered, and its marker is gone (it ended; it was not interrupted).
    expect(existsSync(join(root, STEP_RUNNER_FILES.ledger, 'u-1', 'health--services'))).toBe(false);
    expect(existsSync(join(root, STEP_RUNNER_FILES.inProgress, 'u-1--health--services'))).toBe(false);
  });

  it('says when an earlier attempt was interrupted, and runs the step again', () => {
    const root = join(scratch, 'node-b');
    mkdirSync(join(root, STEP_RUNNER_FILES.inProgress), { recursive: true });
    writeFileSync(join(root, STEP_RUNNER_FILES.inProgress, 'u-1--service--search'), `${commandId(5)} 2026-12-07T10:00:00Z\n`);
    const run = runStep(root, commandId(6), { kind: 'service', step: 'search', script: 'echo updated' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`cluster-update: service search: an earlier attempt (${commandId(5)} 2026-12-07T10:00:00Z) did not finish; running it again`);
    expect(run.stdout).toContain('updated');
  });
});

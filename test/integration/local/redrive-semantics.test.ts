import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, RedriveExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { LocalStepFunctions } from '../../../src/local/stepfunctions/local-step-functions';
import { startLocalSfn, type LocalSfnSession } from './local-sfn-session';
import { synthesizeRedriveFixtureTemplate } from '../../fixtures/sfn/redrive-fixture-stack';

/**
 * Redrive as on AWS: "it continues the failed execution from the unsuccessful step and uses the same input. Step
 * Functions preserves the results and execution history of the successful steps, and doesn't rerun these steps";
 * "for workflows that include an Inline Map or Parallel state, RedriveExecution reschedules and redrives only the
 * iterations and branches that failed or aborted"; a redriven parent "redrives all the unsuccessful states,
 * including a failed Map Run" (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html). A failed Distributed Map child fails
 * the Map with States.ExceedToleratedFailureThreshold
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html#maprun-fail-threshold).
 */
describe('redrive continues where the execution stopped (AWS semantics), with the real @aws-sdk/client-sfn', () => {
  const template = synthesizeRedriveFixtureTemplate();
  const repoRoot = join(__dirname, '../../..');
  let session: LocalSfnSession;
  let client: SFNClient;
  let machine: string;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cu-redrive-'));
    session = await startLocalSfn({ template, repoRoot, retryScale: 0.01 });
    ({ client, machine } = session);
  });
  afterAll(async () => {
    await session?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const items = [0, 1, 2, 3];
  const everything = ['prepare', 'plain', ...items.map((i) => `item-${i}`), ...items.map((i) => `ditem-${i}`), 'finish'];

  function workDir(name: string, failing: string[]): string {
    const dir = join(scratch, name);
    mkdirSync(dir);
    for (const key of failing) writeFileSync(join(dir, `${key}.fail`), '');
    return dir;
  }
  const ledger = (dir: string): string[] => (existsSync(join(dir, 'ledger')) ? readFileSync(join(dir, 'ledger'), 'utf8').trim().split('\n') : []);
  const counts = (dir: string): Record<string, number> => ledger(dir).reduce<Record<string, number>>((c, k) => ({ ...c, [k]: (c[k] ?? 0) + 1 }), {});
  const start = (name: string, dir: string, pause = 0) =>
    client.send(new StartExecutionCommand({ stateMachineArn: machine, name, input: JSON.stringify({ dir, items, pause }) }));
  const settle = (executionArn: string) => session.settle(executionArn);
  const history = async (executionArn: string) => (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;

  it('a failed inline Map iteration: the redrive reruns only that iteration and what follows; the succeeded branches, iterations and the first task keep their results', async () => {
    const dir = workDir('inline', ['item-2']);
    const { executionArn } = await start('inline-failure', dir);
    const failed = await settle(executionArn!);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'LedgerFault' });
    expect(counts(dir)).not.toHaveProperty('item-2');
    const before = counts(dir);
    rmSync(join(dir, 'item-2.fail'));

    await client.send(new RedriveExecutionCommand({ executionArn }));
    expect(await settle(executionArn!)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const after = counts(dir);
    // Everything ran exactly once over both attempts: nothing that succeeded before the redrive ran again.
    expect(after).toEqual(Object.fromEntries(everything.map((k) => [k, 1])));
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['prepare', 'plain', 'item-0', 'item-1', 'item-3']));
    const events = await history(executionArn!);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1); // a redrive adds ExecutionRedriven, not a new start
    const redriven = types.indexOf('ExecutionRedriven');
    expect(redriven).toBeGreaterThan(0);
    const enteredAfter = events.slice(redriven).filter((e) => e.stateEnteredEventDetails).map((e) => e.stateEnteredEventDetails!.name ?? "");
    expect(enteredAfter).not.toContain('Prepare');
    expect(enteredAfter).not.toContain('Pause');
    expect(enteredAfter).toEqual(expect.arrayContaining(['Fanout', 'InlineItems', 'Item', 'Finish']));
    expect(enteredAfter.some((name) => name.startsWith('__cu_'))).toBe(false); // the local steering states are invisible
  });

  it('a failed Distributed Map child fails the Map with States.ExceedToleratedFailureThreshold; the redrive reruns the failed child and the ones that never started', async () => {
    const dir = workDir('distributed', ['ditem-1']);
    const { executionArn } = await start('distributed-failure', dir);
    const failed = await settle(executionArn!);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    expect(counts(dir)).toMatchObject({ 'ditem-0': 1 });
    expect(counts(dir)).not.toHaveProperty('ditem-1');
    const types = (await history(executionArn!)).map((e) => e.type);
    expect(types).toContain('MapRunFailed');
    rmSync(join(dir, 'ditem-1.fail'));

    await client.send(new RedriveExecutionCommand({ executionArn }));
    expect(await settle(executionArn!)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(counts(dir)).toEqual(Object.fromEntries(everything.map((k) => [k, 1])));
  });

  it('an aborted execution (StopExecution during a Wait) continues at that Wait: the task before it does not run again', async () => {
    const dir = workDir('aborted', []);
    const { executionArn } = await start('aborted-in-wait', dir, 2);
    for (let i = 0; i < 100 && !counts(dir).prepare; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    await client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stop --now' }));
    expect(await settle(executionArn!)).toMatchObject({ status: 'ABORTED' });
    expect(ledger(dir)).toEqual(['prepare']);

    await client.send(new RedriveExecutionCommand({ executionArn }));
    expect(await settle(executionArn!)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(counts(dir)).toEqual(Object.fromEntries(everything.map((k) => [k, 1])));
    const events = await history(executionArn!);
    const redriven = events.findIndex((e) => e.type === 'ExecutionRedriven');
    expect(events[redriven + 1]).toMatchObject({ type: 'WaitStateEntered', stateEnteredEventDetails: { name: 'Pause' } });
  });

  it('a second failure after a redrive is redriven again from its own stopping point', async () => {
    const dir = workDir('twice', ['item-1', 'finish']);
    const { executionArn } = await start('fails-twice', dir);
    expect(await settle(executionArn!)).toMatchObject({ status: 'FAILED' });
    rmSync(join(dir, 'item-1.fail'));
    await client.send(new RedriveExecutionCommand({ executionArn }));
    expect(await settle(executionArn!)).toMatchObject({ status: 'FAILED', redriveCount: 1 });
    expect(counts(dir)).not.toHaveProperty('finish');
    rmSync(join(dir, 'finish.fail'));
    await client.send(new RedriveExecutionCommand({ executionArn }));
    expect(await settle(executionArn!)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 2 });
    expect(counts(dir)).toEqual(Object.fromEntries(everything.map((k) => [k, 1])));
  });
});

describe('a redrive after the runtime restarted continues from the journaled stopping point', () => {
  it('an execution stopped by the runtime (journaled ABORTED with its trace) is redriven by the next runtime from where it stood', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'cu-redrive-journal-'));
    const template = synthesizeRedriveFixtureTemplate();
    const repoRoot = join(__dirname, '../../..');
    const executionsDirectory = join(scratch, 'executions');
    const dir = join(scratch, 'work');
    mkdirSync(dir);
    try {
      const first = await LocalStepFunctions.start({ template, repoRoot, executionsDirectory });
      const machine = Object.values(first.stateMachineArns)[0]!;
      const c1 = new SFNClient({ endpoint: first.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
      const { executionArn } = await c1.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'journaled', input: JSON.stringify({ dir, items: [0, 1], pause: 3 }) }));
      for (let i = 0; i < 100 && !existsSync(join(dir, 'ledger')); i++) await new Promise((r) => setTimeout(r, 20));
      c1.destroy();
      await first.stop(); // journals the execution ABORTED, with where it stood (in Pause)

      const second = await LocalStepFunctions.start({ template, repoRoot, executionsDirectory });
      const c2 = new SFNClient({ endpoint: second.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
      try {
        expect(await c2.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'ABORTED' });
        await c2.send(new RedriveExecutionCommand({ executionArn }));
        const done = await second.waitForExecution(executionArn!);
        expect(done.status).toBe('SUCCEEDED');
        const ran = readFileSync(join(dir, 'ledger'), 'utf8').trim().split('\n');
        expect(ran.filter((k) => k === 'prepare')).toHaveLength(1);
        expect(ran.sort()).toEqual(['ditem-0', 'ditem-1', 'finish', 'item-0', 'item-1', 'plain', 'prepare']);
      } finally {
        c2.destroy();
        await second.stop();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

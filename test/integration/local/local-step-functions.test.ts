import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand, ListExecutionsCommand, RedriveExecutionCommand,
  SFNClient, StartExecutionCommand, StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { LocalStepFunctions } from '../../../src/local/stepfunctions/local-step-functions';
import { startLocalSfn, type LocalSfnSession } from './local-sfn-session';
import { synthesizeFixtureTemplate } from '../../fixtures/sfn/fixture-stack';

describe('local Step Functions endpoint with the real @aws-sdk/client-sfn', () => {
  let session: LocalSfnSession;
  let local: LocalStepFunctions;
  let client: SFNClient;
  let machine: string;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cu-sfn-'));
    session = await startLocalSfn({ template: synthesizeFixtureTemplate(), repoRoot: join(__dirname, '../../..'), waitScale: 0.2, retryScale: 0.01 });
    ({ local, client, machine } = session);
  });
  afterAll(async () => {
    await session?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const start = (name: string, input: Record<string, unknown>) => client.send(new StartExecutionCommand({ stateMachineArn: machine, name, input: JSON.stringify(input) }));
  const settle = (executionArn: string) => session.settle(executionArn);

  it('runs the synthesized definition with the real handlers: loop, wait, inline and distributed maps, parallel, catch by error name', async () => {
    const { executionArn } = await start('happy', { mode: 'custom', marker: join(scratch, 'unused') });
    const described = await settle(executionArn!);
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output!);
    expect(output.count).toMatchObject({ n: 3, fixtureValue: 'from-template' });
    expect(output.fanout).toEqual([[2, 4, 6], [2, 4, 6]]);
    expect(output.caught).toEqual({ Error: 'CustomError', Cause: 'custom failure' });
  });

  it('records AWS-shaped history: five events per Lambda task, distributed-map iterations in child executions', async () => {
    const { executionArn } = await start('history', { mode: 'ok', marker: join(scratch, 'unused2') });
    await settle(executionArn!);
    const events = (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types.filter((t) => t === 'LambdaFunctionScheduled')).toHaveLength(3 + 3 + 1); // Count ×3, inline Double ×3, MaybeFail
    expect(types).toContain('MapRunStarted');
    expect(types.filter((t) => t === 'MapIterationStarted')).toHaveLength(3); // only the inline map's iterations
    const stats = local.statistics(executionArn!);
    expect(stats.childExecutions).toBe(3);
    expect(stats.historyEvents).toBe(events.length);
    expect(stats.maxChildHistoryEvents).toBeGreaterThanOrEqual(5);
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5, reverseOrder: true }));
    expect(page.events!.map((e) => e.id)).toEqual([events.length, events.length - 1, events.length - 2, events.length - 3, events.length - 4]);
    expect(page.nextToken).toBeDefined();
  });

  it('start is idempotent on name and input while running; otherwise ExecutionAlreadyExists', async () => {
    const first = await start('same-name', { mode: 'ok', marker: 'x' });
    const again = await start('same-name', { mode: 'ok', marker: 'x' });
    expect(again.executionArn).toBe(first.executionArn);
    await expect(start('same-name', { mode: 'other' })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await settle(first.executionArn!);
    await expect(start('same-name', { mode: 'ok', marker: 'x' })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('a failed execution is redriven under the same ARN with redriveCount 1; a succeeded one is not redrivable', async () => {
    const { executionArn } = await start('flaky', { mode: 'flaky', marker: join(scratch, 'flaky-marker') });
    const failed = await settle(executionArn!);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'FlakyError', cause: 'first attempt fails', redriveStatus: 'REDRIVABLE' });
    await client.send(new RedriveExecutionCommand({ executionArn }));
    const redriven = await settle(executionArn!);
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const types = (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!.map((e) => e.type);
    expect(types).toContain('ExecutionRedriven');
    await expect(client.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
  });

  it('StopExecution aborts a running execution', async () => {
    const { executionArn } = await start('stopped', { mode: 'sleep', marker: 'x' });
    await new Promise((r) => setTimeout(r, 1000));
    await client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stop --now' }));
    expect(await settle(executionArn!)).toMatchObject({ status: 'ABORTED', error: 'Operator' });
  });

  it('lists executions by status, describes the state machine, and names unknown executions', async () => {
    const succeeded = await client.send(new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: 'SUCCEEDED' }));
    expect(succeeded.executions!.map((e) => e.name)).toEqual(expect.arrayContaining(['happy', 'history', 'flaky']));
    expect(succeeded.executions!.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: machine }));
    expect(JSON.parse(described.definition!).StartAt).toBe('Init');
    await expect(client.send(new DescribeExecutionCommand({ executionArn: `${machine.replace(':stateMachine:', ':execution:')}:nope` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});

describe('durable local executions (the journal under the run directory)', () => {
  it('an execution RUNNING when the runtime died runs again from its input under the same ARN; an ended one is kept as it was; a clean stop journals ABORTED', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'cu-sfn-journal-'));
    const directory = join(scratch, 'executions');
    const template = synthesizeFixtureTemplate();
    const options = { template, repoRoot: join(__dirname, '../../..'), waitScale: 0.2, retryScale: 0.01, executionsDirectory: directory };
    const first = await LocalStepFunctions.start(options);
    const machine = Object.values(first.stateMachineArns)[0]!;
    let client = new SFNClient({ endpoint: first.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const { executionArn: done } = await client.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'ended', input: JSON.stringify({ mode: 'ok', marker: join(scratch, 'm1') }) }));
    await first.waitForExecution(done!);
    const { executionArn: interrupted, startDate } = await client.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'interrupted', input: JSON.stringify({ mode: 'ok', marker: join(scratch, 'm2') }) }));
    // A crash: this instance stops answering and its journal is what is left. (Stopping it cleanly would journal ABORTED.)
    const journaled = JSON.parse(readFileSync(join(directory, `${machine.split(':').pop()}--interrupted.json`), 'utf8')) as { status: string };
    expect(journaled.status).toBe('RUNNING');
    const eventsBefore = readFileSync(join(directory, `${machine.split(':').pop()}--interrupted.events.jsonl`), 'utf8').split('\n').filter(Boolean).length;
    expect(eventsBefore).toBeGreaterThan(0);
    client.destroy();
    const copy = join(scratch, 'after-crash');
    cpSync(directory, copy, { recursive: true }); // the journal as the crash left it
    await first.stop();

    const second = await LocalStepFunctions.start({ ...options, executionsDirectory: copy });
    client = new SFNClient({ endpoint: second.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    try {
      expect(second.continuedAfterCrash).toEqual([interrupted]);
      const ended = await client.send(new DescribeExecutionCommand({ executionArn: done }));
      expect(ended.status).toBe('SUCCEEDED');
      await second.waitForExecution(interrupted!);
      const rerun = await client.send(new DescribeExecutionCommand({ executionArn: interrupted }));
      expect(rerun.status).toBe('SUCCEEDED');
      expect(rerun.startDate?.getTime()).toBe(startDate?.getTime());
      const events = (await client.send(new GetExecutionHistoryCommand({ executionArn: interrupted, maxResults: 1000 }))).events!;
      expect(events.length).toBeGreaterThan(eventsBefore);
      expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(2); // the first run and the re-run
      expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
      // The first instance's clean stop journaled ABORTED in its own directory.
      expect(JSON.parse(readFileSync(join(directory, `${machine.split(':').pop()}--interrupted.json`), 'utf8')).status).toBe('ABORTED');
    } finally {
      client.destroy();
      await second.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('Lambda as on AWS in the local runtime', () => {
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html: the invocation ends at the configured
  // timeout; https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html: Step Functions sees `Sandbox.Timedout`.
  it('a handler that runs past the function timeout fails the task with Sandbox.Timedout', async () => {
    const template = synthesizeFixtureTemplate();
    const [flakyId] = Object.entries(template.Resources ?? {}).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Flaky'))!;
    (template.Resources![flakyId]!.Properties as Record<string, unknown>).Timeout = 2;
    const local = await LocalStepFunctions.start({ template, repoRoot: join(__dirname, '../../..'), waitScale: 0.01, retryScale: 0.01 });
    const client = new SFNClient({ endpoint: local.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    try {
      const machine = Object.values(local.stateMachineArns)[0]!;
      const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'times-out', input: JSON.stringify({ mode: 'sleep', marker: '/nonexistent' }) }));
      const started = Date.now();
      await local.waitForExecution(executionArn!);
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      expect(described.status).toBe('FAILED');
      expect(described.error).toBe('Sandbox.Timedout');
      expect(described.cause).toMatch(/Task timed out after 2\.00 seconds/);
      expect(Date.now() - started).toBeLessThan(25_000); // not the handler's 30 s
    } finally {
      client.destroy();
      await local.stop();
    }
  }, 120_000);

  // https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html: 256 KiB per state input or output.
  it('a task result over 256 KiB fails the execution with States.DataLimitExceeded', async () => {
    const local = await LocalStepFunctions.start({ template: synthesizeFixtureTemplate(), repoRoot: join(__dirname, '../../..'), waitScale: 0.01, retryScale: 0.01 });
    const client = new SFNClient({ endpoint: local.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    try {
      const machine = Object.values(local.stateMachineArns)[0]!;
      const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'too-big', input: JSON.stringify({ mode: 'big', marker: '/nonexistent' }) }));
      await local.waitForExecution(executionArn!);
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      expect(described.status).toBe('FAILED');
      expect(described.error).toBe('States.DataLimitExceeded');
      expect(described.cause).toContain("'MaybeFail' returned a result with a size exceeding");
    } finally {
      client.destroy();
      await local.stop();
    }
  }, 120_000);
});

/**
 * The history quota: https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html — a hard quota of
 * 25,000 events; at 24,999 the next event decides: ExecutionSucceeded ends the execution successfully, anything else
 * is logged as ExecutionFailed (error `States.Runtime`, cause "The execution reached the maximum number of history
 * events (25000).") and the execution fails. Redrive then refuses it: DescribeExecution says NOT_REDRIVABLE with
 * "Execution history event limit exceeded", and a redrive needs fewer than 24,999 events
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html).
 * A small limit stands in for 25,000.
 */
describe('the execution history limit, as on AWS', () => {
  const LIMIT = 40;
  const template = {
    Resources: {
      // A Wait/Pass loop that never ends by itself: 4 events per turn.
      Forever: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'forever', Definition: {
        StartAt: 'Tick',
        States: { Tick: { Type: 'Wait', Seconds: 1, Next: 'Again' }, Again: { Type: 'Pass', Next: 'Tick' } },
      } } },
      // ExecutionStarted, 2 × (PassStateEntered, PassStateExited), ExecutionSucceeded: exactly 6 events.
      SixEvents: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'six-events', Definition: {
        StartAt: 'One',
        States: { One: { Type: 'Pass', Next: 'Two' }, Two: { Type: 'Pass', End: true } },
      } } },
    },
  };
  let local: LocalStepFunctions;
  let client: SFNClient;
  afterAll(async () => {
    client?.destroy();
    await local?.stop();
  });
  const startLocal = async (maxHistoryEvents: number) => {
    client?.destroy();
    await local?.stop();
    local = await LocalStepFunctions.start({ template, repoRoot: join(__dirname, '../../..'), waitScale: 0.01, maxHistoryEvents });
    client = new SFNClient({ endpoint: local.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  };
  const run = async (logicalId: string, name: string) => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: local.stateMachineArns[logicalId], name, input: '{}' }));
    await local.waitForExecution(executionArn!);
    const events = (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;
    return { executionArn: executionArn!, described: await client.send(new DescribeExecutionCommand({ executionArn })), events };
  };

  it('an execution reaching the limit fails with States.Runtime in its last event, is NOT_REDRIVABLE, and RedriveExecution is refused', async () => {
    await startLocal(LIMIT);
    const { executionArn, described, events } = await run('Forever', 'loops-forever');
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('States.Runtime');
    expect(described.cause).toBe(`The execution reached the maximum number of history events (${LIMIT}).`);
    expect(events).toHaveLength(LIMIT);
    expect(events.at(-1)).toMatchObject({ id: LIMIT, type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Runtime' } });
    expect(events.at(-2)!.type).not.toBe('ExecutionFailed');
    expect(described.redriveStatus).toBe('NOT_REDRIVABLE');
    expect(described.redriveStatusReason).toBe('Execution history event limit exceeded');
    await expect(client.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).redriveCount).toBe(0);
  });

  it('event number LIMIT may still be ExecutionSucceeded; one event fewer of room fails the same execution', async () => {
    await startLocal(6);
    const fits = await run('SixEvents', 'fits');
    expect(fits.described.status).toBe('SUCCEEDED');
    expect(fits.events.map((e) => e.type)).toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    await startLocal(5);
    const tooLong = await run('SixEvents', 'one-too-many');
    expect(tooLong.described).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(tooLong.events.map((e) => e.type)).toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'PassStateEntered', 'ExecutionFailed']);
  });
});

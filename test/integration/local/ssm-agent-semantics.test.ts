import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepRunnerParameters } from '../../../src/core/step-runner/step-runner-contract';
import { MAX_COMMAND_BYTES } from '../../../src/core/step-runner/command-size';
import { SimulatedFleet } from '../../../src/local/fleet/simulated-fleet';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { SsmEmulator } from '../../../src/local/ssm/ssm-emulator';
import type { SsmDocumentContent } from '../../../src/local/ssm/ssm-document';
import { localTemplate } from '../../fixtures/local-template';
import { commandDocuments } from '../../../src/local/template/command-documents';

/**
 * Conformance of the SSM emulator with what the SSM Agent does on a node.
 * - The agent validates each parameter against its allowedPattern with Go's regexp (RE2):
 *   amazon-ssm-agent agent/framework/docparser/paramvalidator/allowedregexparamvalidator,
 *   https://pkg.go.dev/regexp/syntax ("repeat counts ≤ 1000", no backreferences or lookaround).
 *   The API accepts the SendCommand; the invocation fails on the node before anything runs.
 * - The document and its run-time parameters share a 64 KB quota:
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html (Content),
 *   SendCommand → MaxDocumentSizeExceeded: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html
 */
const documentWith = (pattern: string): SsmDocumentContent => ({
  schemaVersion: '2.2',
  parameters: { Value: { type: 'String', allowedPattern: pattern } },
  mainSteps: [{ action: 'aws:runShellScript', name: 'run', inputs: { runCommand: ['cu-node hook "{{ Value }}"'] } }],
});

describe('SSM emulator: the agent compiles allowedPattern with RE2', () => {
  let runDirectory: string;
  let fleet: SimulatedFleet;
  let ssm: SsmEmulator;
  let client: SSMClient;
  let stepRunner: { name: string; content: SsmDocumentContent };

  beforeAll(async () => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-ssm-re2-'));
    fleet = await SimulatedFleet.start({ runDirectory, cluster: 'c', release: '1.0.0', platformSteps: ['system-packages'], nodes: [{ id: 'mi-0123456789abcdef0', services: [] }] });
    [stepRunner] = commandDocuments(localTemplate()) as [{ name: string; content: SsmDocumentContent }];
    ssm = await SsmEmulator.start({
      fleet,
      documents: {
        'old-script-pattern': documentWith('^[A-Za-z0-9+/=]{4,262144}$'),
        backreference: documentWith('^(a+)\\1$'),
        lookahead: documentWith('^(?=hook)[a-z-]+$'),
        unanchored: documentWith('[0-9]'),
        'step-runner': stepRunner.content,
      },
    });
    client = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await ssm?.stop();
    await fleet?.stop();
    rmSync(runDirectory, { recursive: true, force: true });
  });

  async function finished(commandId: string) {
    for (;;) {
      const answer = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: 'mi-0123456789abcdef0' }));
      if (['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(answer.Status!)) return answer;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const send = (document: string, value: string) =>
    client.send(new SendCommandCommand({ DocumentName: document, InstanceIds: ['mi-0123456789abcdef0'], Parameters: { Value: [value] } }));

  it.each([
    ['old-script-pattern', 'aGVsbG8=', 'invalid repeat count'],
    ['backreference', 'aa', 'invalid escape sequence'],
    ['lookahead', 'hook-a', 'invalid or unsupported Perl syntax'],
  ])('a %s allowedPattern is accepted by the API but fails on the node before anything runs', async (document, value, reason) => {
    const before = fleet.operations().length;
    const sent = await send(document, value);
    const answer = await finished(sent.Command!.CommandId!);
    expect(answer).toMatchObject({ Status: 'Failed', ResponseCode: -1 });
    expect(answer.StandardErrorContent).toContain(reason);
    expect(fleet.operations().length).toBe(before);
  });

  it('matches unanchored, as Go regexp MatchString does', async () => {
    const answer = await finished((await send('unanchored', 'ok-1')).Command!.CommandId!);
    expect(answer.Status).toBe('Success');
  });

  it("runs the synthesized step runner's every parameter through RE2: a step with a base64 script succeeds", async () => {
    const parameters = stepRunnerParameters({ updateId: 'u-1', kind: 'hook', step: 'disk-space', release: '2.0.0', previous: '1.0.0', script: "cu-node hook disk-space && echo 'quoted ok'" });
    const sent = await client.send(new SendCommandCommand({ DocumentName: 'step-runner', InstanceIds: ['mi-0123456789abcdef0'], Parameters: parameters }));
    const answer = await finished(sent.Command!.CommandId!);
    expect(answer).toMatchObject({ Status: 'Success', ResponseCode: 0 });
    expect(answer.StandardOutputContent).toContain('quoted ok');
  });

  it('a command of the largest size the manifest allows is sent; a larger one is MaxDocumentSizeExceeded', async () => {
    const largest = `: ${'x'.repeat(MAX_COMMAND_BYTES - 3)}\n`;
    const base = { updateId: 'u-2', kind: 'hook' as const, step: 'big', release: '2.0.0', previous: '1.0.0' };
    const ok = await client.send(new SendCommandCommand({ DocumentName: 'step-runner', InstanceIds: ['mi-0123456789abcdef0'], Parameters: stepRunnerParameters({ ...base, script: largest }) }));
    expect((await finished(ok.Command!.CommandId!)).Status).toBe('Success');
    const oversize = `: ${'x'.repeat(64 * 1024)}\n`;
    await expect(
      client.send(new SendCommandCommand({ DocumentName: 'step-runner', InstanceIds: ['mi-0123456789abcdef0'], Parameters: stepRunnerParameters({ ...base, step: 'bigger', script: oversize }) })),
    ).rejects.toMatchObject({ name: 'MaxDocumentSizeExceeded' });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../../src/aws/clients';
import { SimulatedFleetDefaultsError, startUpdate } from '../../../../src/cli/operations/start-update';
import type { Target } from '../../../../src/cli/target';
import { InputError } from '../../../../src/core/errors';
import { parseManifest } from '../../../../src/core/manifest/parse-manifest';

// Port 9 (discard) on loopback: any AWS call this made would fail with a connection error, not the refusal.
const unreachable = 'http://127.0.0.1:9';
const awsTarget = (): Target => ({
  kind: 'aws',
  clients: createAwsClients({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, endpoints: { dynamodb: unreachable, ssm: unreachable, stepfunctions: unreachable } }),
  region: 'us-east-1',
  tableName: 'cluster-update',
  stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:cluster-update',
  documentName: 'cluster-update-step-runner',
});

describe('start --target aws with a manifest written for the simulated fleet', () => {
  it('is refused up front (exit 2) naming every default it relies on, before any AWS call', async () => {
    const example = parseManifest(readFileSync(join(__dirname, '../../../../examples/analytics-cluster/release-7.2.0.yaml'), 'utf8'));
    // The example names the simulated fleet's drain and rejoin; without them it leans on those defaults too.
    const manifest = { ...example, policy: { ...example.policy, drain: undefined, rejoin: undefined } };
    const target = awsTarget();
    try {
      const refusal = await startUpdate(target, { manifest, updateId: 'u-1' }).then(() => undefined, (error: unknown) => error);
      expect(refusal).toBeInstanceOf(SimulatedFleetDefaultsError);
      expect(refusal).toBeInstanceOf(InputError);
      const message = (refusal as Error).message;
      expect(message).toContain('policy.drain is not set');
      expect(message).toContain('policy.rejoin is not set');
      expect(message).toContain('service coordinator has no update command');
      expect(message).toContain('service search has health.http without health.port');
    } finally {
      target.clients.destroy();
    }
  });

  it('a manifest that says how to drain, rejoin, update and check everything passes that check', async () => {
    const manifest = parseManifest(`
release: "2.0.0"
cluster: prod
policy: { drain: { run: "lb-deregister", timeoutSeconds: 120 }, rejoin: { run: "lb-register" } }
services:
  - { name: api, update: "systemctl restart api", health: { http: /health, port: 8080 } }
`);
    const target = awsTarget();
    try {
      const outcome = await startUpdate(target, { manifest, updateId: 'u-2' }).then(() => undefined, (error: unknown) => error);
      expect(outcome).not.toBeInstanceOf(SimulatedFleetDefaultsError); // it got as far as calling AWS (unreachable here)
    } finally {
      target.clients.destroy();
    }
  });
});

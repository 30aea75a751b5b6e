import { DescribeExecutionCommand, SFNClient, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { LocalStepFunctions, type LocalStepFunctionsProps } from '../../../src/local/stepfunctions/local-step-functions';

/** The local Step Functions of a fixture template and the real SFN client on it, as the conformance tests use them. */
export interface LocalSfnSession {
  readonly local: LocalStepFunctions;
  readonly client: SFNClient;
  /** The template's (only) state machine. */
  readonly machine: string;
  /** DescribeExecution until the execution is no longer RUNNING. */
  settle(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  stop(): Promise<void>;
}

export async function startLocalSfn(props: LocalStepFunctionsProps): Promise<LocalSfnSession> {
  const local = await LocalStepFunctions.start(props);
  const client = new SFNClient({ endpoint: local.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  return {
    local,
    client,
    machine: Object.values(local.stateMachineArns)[0]!,
    async settle(executionArn) {
      for (;;) {
        const described = await client.send(new DescribeExecutionCommand({ executionArn }));
        if (described.status !== 'RUNNING') return described;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      client.destroy();
      await local.stop();
    },
  };
}

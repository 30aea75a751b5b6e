import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

/** What the lock needs to know of the execution that holds it. */
export interface OwnerExecution {
  readonly status: string;
  readonly startDate?: Date;
}

/** Reads an execution's status; undefined when Step Functions does not know it (never started, or expired from history). */
export type ExecutionReader = (executionArn: string) => Promise<OwnerExecution | undefined>;

/** DescribeExecution with the real SFN client (the task role is granted it on this state machine's executions only). */
export function sfnExecutionReader(sfn: SFNClient): ExecutionReader {
  return async (executionArn) => {
    try {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return { status: described.status ?? 'RUNNING', startDate: described.startDate };
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  };
}

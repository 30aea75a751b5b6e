import { DescribeExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { Target } from '../target';

/** Polls DescribeExecution until the execution is no longer RUNNING; `onTick` sees each poll. */
export async function waitForExecution(target: Target, executionArn: string, onTick?: () => Promise<void>, intervalMs = 500): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const described = await target.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (onTick) await onTick();
    if (described.status !== 'RUNNING') return described;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

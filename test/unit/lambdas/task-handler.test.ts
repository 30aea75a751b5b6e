import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type LogLine = Record<string, unknown>;

describe('taskHandler logging', () => {
  let lines: LogLine[];
  beforeEach(() => {
    // POWERTOOLS_DEV makes Powertools write through the global console, which the test reads.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('TABLE_NAME', 'unit-table');
    vi.stubEnv('DOCUMENT_NAME', 'unit-document');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    lines = [];
    for (const level of ['info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation((line: string) => void lines.push(JSON.parse(line) as LogLine));
    vi.resetModules(); // the logger reads its environment when the module loads
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('puts update id, cluster and phase on every line, and the node on each node\'s command and step outcome', async () => {
    const { taskHandler } = await import('../../../lambdas/task-handler');
    const handler = taskHandler('canary-step', async (context, _input: { updateId: string; cluster: string; cursor: number }) => {
      const event = { phase: 'canary', target: 'node-3', step: 'platform-config', node: 'node-3', commandId: 'cmd-1' };
      context.observer!.commandSent(event);
      context.observer!.stepEnded({ ...event, status: 'FAILED', error: 'platform config on node-3: Failed, exit 1' });
      return { done: true, stopped: false };
    });
    await handler({ updateId: 'u-9', cluster: 'prod', cursor: 1 });
    const next = taskHandler('finalize', async () => ({ updated: 14 }));
    await next({ updateId: 'u-9', cluster: 'prod', cursor: undefined as unknown as number });
    const last = lines.pop()!;
    expect(last).toMatchObject({ message: 'task done', task: 'finalize', phase: 'finalize' });
    expect(last).not.toHaveProperty('canaryCursor'); // not carried over from the previous invocation
    expect(lines.map((l) => l.message)).toEqual(['command sent', 'step failed on node', 'task done']);
    for (const line of lines) expect(line).toMatchObject({ task: 'canary-step', updateId: 'u-9', cluster: 'prod', phase: 'canary', canaryCursor: 1 });
    expect(lines[0]).toMatchObject({ node: 'node-3', step: 'platform-config', commandId: 'cmd-1' });
    expect(lines[1]).toMatchObject({ level: 'WARN', node: 'node-3', status: 'FAILED', error: 'platform config on node-3: Failed, exit 1' });
  });
});

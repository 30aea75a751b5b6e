import { describe, expect, it } from 'vitest';
import { checkExecutionLogs, parseExecutionLog } from '../../../../src/core/step-runner/execution-log';

const line = (time: string, command: string, step: string, what: 'started' | 'ended', pid: number, code?: number) =>
  `${time} ${command} u1 platform ${step} ${what} ${command}-${pid}${code === undefined ? '' : ` ${code}`}`;

describe('the step runner execution log', () => {
  it('pairs each start with its end; the older one-line format reads as a start', () => {
    const log = [
      line('2026-01-01T00:00:00.000Z', 'c1', 'config', 'started', 10),
      '2026-01-01T00:00:00Z c0 u1 platform system-packages',
      line('2026-01-01T00:00:02.500Z', 'c1', 'config', 'ended', 10, 0),
    ].join('\n');
    expect(parseExecutionLog(log)).toEqual([
      { execution: 'c1-10', commandId: 'c1', updateId: 'u1', kind: 'platform', step: 'config', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:02.500Z', exitCode: 0 },
      { execution: 'c0@2026-01-01T00:00:00Z', commandId: 'c0', updateId: 'u1', kind: 'platform', step: 'system-packages', startedAt: '2026-01-01T00:00:00Z' },
    ]);
  });

  it('a failed run and its successful rerun, one after the other, hold', () => {
    const log = parseExecutionLog(
      [
        line('2026-01-01T00:00:00.000Z', 'c1', 'config', 'started', 10),
        line('2026-01-01T00:00:01.000Z', 'c1', 'config', 'ended', 10, 1),
        line('2026-01-01T00:00:01.000Z', 'c2', 'config', 'started', 11),
        line('2026-01-01T00:00:02.000Z', 'c2', 'config', 'ended', 11, 0),
      ].join('\n'),
    );
    expect(checkExecutionLogs({ 'node-1': log })).toEqual({ ranTwice: [], overlaps: [], unended: [], executions: 2 });
  });

  it('two copies of one step on a node that overlap in time fail the check, naming both', () => {
    const log = parseExecutionLog(
      [
        line('2026-01-01T00:00:00.000Z', 'c1', 'config', 'started', 10),
        line('2026-01-01T00:00:00.400Z', 'c2', 'config', 'started', 11),
        line('2026-01-01T00:00:01.000Z', 'c1', 'config', 'ended', 10, 0),
        line('2026-01-01T00:00:01.200Z', 'c2', 'config', 'ended', 11, 0),
      ].join('\n'),
    );
    const verdict = checkExecutionLogs({ 'node-1': log });
    expect(verdict.overlaps).toEqual([{ node: 'node-1', step: 'u1 platform config', first: 'c1-10', second: 'c2-11', firstEndedAt: '2026-01-01T00:00:01.000Z', secondStartedAt: '2026-01-01T00:00:00.400Z' }]);
    expect(verdict.ranTwice).toEqual([{ node: 'node-1', step: 'u1 platform config', executions: ['c1-10', 'c2-11'] }]);
  });

  it('a ledgered step that completed twice fails even without overlap; health checks may run again; other nodes are apart', () => {
    const twice = [
      line('2026-01-01T00:00:00.000Z', 'c1', 'config', 'started', 10),
      line('2026-01-01T00:00:01.000Z', 'c1', 'config', 'ended', 10, 0),
      line('2026-01-01T00:00:05.000Z', 'c2', 'config', 'started', 11),
      line('2026-01-01T00:00:06.000Z', 'c2', 'config', 'ended', 11, 0),
    ].join('\n');
    const health = twice.replaceAll(' platform config ', ' health services ');
    expect(checkExecutionLogs({ 'node-1': parseExecutionLog(twice) }).ranTwice).toHaveLength(1);
    expect(checkExecutionLogs({ 'node-1': parseExecutionLog(health) })).toMatchObject({ ranTwice: [], overlaps: [] });
    const once = parseExecutionLog(twice.split('\n').slice(0, 2).join('\n'));
    expect(checkExecutionLogs({ 'node-1': once, 'node-2': once })).toMatchObject({ ranTwice: [], overlaps: [], executions: 2 });
  });

  it('a run killed outright (no end record) before a rerun is reported as unended, not as an overlap', () => {
    const log = parseExecutionLog([line('2026-01-01T00:00:00.000Z', 'c1', 'config', 'started', 10), line('2026-01-01T00:00:09.000Z', 'c2', 'config', 'started', 11), line('2026-01-01T00:00:10.000Z', 'c2', 'config', 'ended', 11, 0)].join('\n'));
    expect(checkExecutionLogs({ 'node-1': log })).toEqual({ ranTwice: [], overlaps: [], unended: [{ node: 'node-1', step: 'u1 platform config', execution: 'c1-10' }], executions: 2 });
  });
});

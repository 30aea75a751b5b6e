import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineProgress } from '../../../../src/cli/progress/line-progress';
import { createProgressRenderer } from '../../../../src/cli/progress/progress-renderer';
import { TerminalProgress } from '../../../../src/cli/progress/terminal-progress';
import { buildUpdateView, type UpdateView } from '../../../../src/cli/status/update-view';
import { T0, checkpoint, midUpdateCheckpoints, plan, record } from '../../../fixtures/cli/update-fixture';

class Capture extends Writable {
  public text = '';
  public isTTY?: boolean;
  public columns = 120;
  public rows = 40;
  public constructor(tty: boolean) {
    super();
    if (tty) this.isTTY = true;
  }
  public override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  // What cli-progress calls on a terminal.
  public cursorTo(): boolean {
    return true;
  }
  public clearLine(): boolean {
    return true;
  }
  public clearScreenDown(): boolean {
    return true;
  }
  public moveCursor(): boolean {
    return true;
  }
}

const views = (): UpdateView[] => {
  const all = midUpdateCheckpoints();
  return [
    buildUpdateView({ record: record({ status: 'RUNNING', phase: 'canary' }), plan, checkpoints: all.slice(0, 3) }, new Date(T0 + 2_000)),
    buildUpdateView({ record: record({ status: 'RUNNING', phase: 'canary' }), plan, checkpoints: all.slice(0, 3) }, new Date(T0 + 3_000)),
    buildUpdateView({ record: record({ status: 'RUNNING', phase: 'rollout' }), plan, checkpoints: all }, new Date(T0 + 20_000)),
    buildUpdateView(
      { record: record({ status: 'FAILED', phase: 'finalize', error: 'UpdatePartiallyFailed: failed: search; skipped: alerting, query-planner, tql, web-ui' }), plan, checkpoints: [...all, checkpoint('wave', 'node-4', 'rejoin', 'SUCCEEDED', 20, 1)] },
      new Date(T0 + 30_000),
    ),
  ];
};

describe('progress renderers', () => {
  it('choose the live display for a terminal and plain lines otherwise', () => {
    expect(createProgressRenderer(new Capture(true) as unknown as NodeJS.WriteStream)).toBeInstanceOf(TerminalProgress);
    expect(createProgressRenderer(new Capture(false))).toBeInstanceOf(LineProgress);
  });

  it('plain lines: one per change, stamped, never repeated, no escape codes, then the outcome and next steps', () => {
    const out = new Capture(false);
    const renderer = new LineProgress(out);
    const [first, same, later, last] = views();
    renderer.update(first!);
    const afterFirst = out.text;
    renderer.update(same!); // nothing changed: nothing printed
    expect(out.text).toBe(afterFirst);
    renderer.update(later!);
    renderer.finish(last!);
    const lines = out.text.trimEnd().split('\n');
    expect(out.text).not.toContain('\u001b');
    expect(lines[0]).toBe('[    2s] update u1: analytics-prod 7.1.3 → 7.2.0');
    expect(lines).toContain('[   20s] running · phase rollout');
    expect(lines).toContain('[   20s] wave 1/3 done');
    expect(lines).toContain('[   20s] service search FAILED: service search on node-3: Failed, exit 1: boom');
    expect(lines).toContain('[   20s] service tql SKIPPED: skipped because search failed');
    expect(lines).toContain('[ 1m00s] node node-4 UPDATED'); // an ended update's time runs to its last record write
    expect(lines).toContain('u1: FAILED in 1m00s — canary node-1 UPDATED · waves 1/3 · nodes 4/6 updated · services 1/14 updated, 1 failed, 4 skipped');
    expect(lines).toContain('  error: UpdatePartiallyFailed: failed: search; skipped: alerting, query-planner, tql, web-ui');
    expect(lines).toContain('  fix the cause above, then cluster-update resume u1   (finished steps are not redone)');
    expect(lines.filter((line, i) => i > 0 && line === lines[i - 1])).toEqual([]);
  });

  it('terminal: draws bars with the counts and ends with the outcome', () => {
    const out = new Capture(true);
    const renderer = new TerminalProgress(out as unknown as NodeJS.WriteStream);
    const all = views();
    for (const view of all.slice(0, 3)) renderer.update(view);
    renderer.finish(all[3]!);
    expect(out.text).toMatch(/nodes\s+\S+ 4\/6 0 failed, 0 skipped/);
    expect(out.text).toMatch(/services \S+ 1\/14 1 failed, 4 skipped/);
    expect(out.text).toMatch(/u1 · FAILED · phase finalize · canary node-1 · 1m00s elapsed/);
    expect(out.text).toContain('running: node-4:system-packages');
    expect(out.text).toContain('service search FAILED: service search on node-3');
    expect(out.text).toMatch(/\nu1: FAILED in 1m00s — [^\n]+\n {2}error: UpdatePartiallyFailed/);
    expect(out.text.trimEnd().split('\n').pop()).toBe('  cluster-update report u1 -o update.html   (timeline)');
  });
});

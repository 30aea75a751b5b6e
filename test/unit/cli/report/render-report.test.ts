import { describe, expect, it } from 'vitest';
import type { CheckpointRecord } from '../../../../src/aws/store/checkpoint-store';
import { renderReportHtml } from '../../../../src/cli/report';
import { HOSTILE, REPORT_T0, checkpointsAt, failedUpdateCheckpoints, largeReportInput, reportInput } from '../../../fixtures/report/report-fixture';

/** The timeline's bars: legend swatches carry no data-phase. */
const bars = (html: string) => [...html.matchAll(/<rect class="bar ([^"]*)"[^>]*data-phase="([^"]*)" data-target="([^"]*)" data-step="([^"]*)"[^>]*><title>([^<]*)<\/title><\/rect>/g)].map((m) => ({ classes: m[1]!.split(' '), phase: m[2]!, target: m[3]!, step: m[4]!, title: m[5]! }));

describe('renderReportHtml', () => {
  const checkpoints = failedUpdateCheckpoints();
  const html = renderReportHtml(reportInput(checkpoints));

  it('is one HTML document that references nothing outside itself', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|@import|xmlns/i);
    // Only fragment references (the SVG patterns) inside url(...).
    expect([...html.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['#cu-hatch', '#cu-stripes']));
    expect([...html.matchAll(/url\(([^)]*)\)/g)].every((m) => m[1]!.startsWith('#'))).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('draws a bar per checkpoint, coloured by status', () => {
    const drawn = bars(html);
    expect(drawn).toHaveLength(checkpoints.length);
    const count = (status: string) => drawn.filter((b) => b.classes.includes(status)).length;
    expect(count('failed')).toBe(checkpoints.filter((c) => c.status === 'FAILED').length);
    expect(count('skipped')).toBe(checkpoints.filter((c) => c.status === 'SKIPPED').length);
    expect(count('succeeded')).toBe(checkpoints.filter((c) => c.status === 'SUCCEEDED').length);
    expect(drawn.filter((b) => b.classes.includes('marker')).map((b) => b.step)).toEqual(Array(6).fill('disk-space'));
  });

  it('puts phase, target, step, status, times, duration, attempts and the error or reason in each tooltip', () => {
    const failed = bars(html).find((b) => b.target === 'search' && b.step === 'update-node-2')!;
    expect(failed.classes).toContain('failed');
    expect(failed.title).toBe(
      [
        'service · search · update-node-2',
        'FAILED',
        `start: ${checkpoints.find((c) => c.step === 'update-node-2' && c.target === 'search')!.startedAt}`,
        `end: ${checkpoints.find((c) => c.step === 'update-node-2' && c.target === 'search')!.endedAt}`,
        'duration: 3s',
        'attempts: 1',
        'error: service search on node-2: Failed, exit 1: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;',
      ].join('\n'),
    );
    const retried = bars(html).find((b) => b.target === 'node-5' && b.step === 'platform-config')!;
    expect(retried.title).toContain('attempts: 2');
    const skipped = bars(html).find((b) => b.phase === 'service' && b.target === 'web-ui')!;
    expect(skipped.classes).toEqual(expect.arrayContaining(['skipped', 'summary']));
    expect(skipped.title).toContain('reason: skipped because search failed');
  });

  it('shows the header: id, cluster, previous → release, status, plan hash, execution, times, duration and error', () => {
    const input = reportInput(checkpoints);
    expect(html).toContain('<code>u-7-2</code></span><span class="badge failed">FAILED</span>');
    expect(html).toContain('analytics-prod: <strong>7.1.3</strong> → <strong>7.2.0</strong>');
    for (const value of [input.planHash!, input.executionArn!, input.createdAt, input.generatedAt]) expect(html).toContain(value);
    expect(html).toMatch(/<dt>Duration<\/dt><dd>1m5\ds<\/dd>/);
    expect(html).toContain('<strong>Error:</strong> UpdatePartiallyFailed: failed: search; skipped: tql, query-planner, alerting, web-ui');
  });

  it('counts nodes and services by outcome', () => {
    const counts = (card: string) => Object.fromEntries([...html.split(`data-counts="${card}"`)[1]!.split('</div></div>')[0]!.matchAll(/data-count="(\w+)"><b>(\d+)<\/b>/g)].map((m) => [m[1], Number(m[2])]));
    expect(counts('nodes')).toEqual({ updated: 6, updating: 0, failed: 0, skipped: 0, pending: 0, total: 6 });
    expect(counts('services')).toEqual({ updated: 9, updating: 0, failed: 1, skipped: 4, pending: 0, total: 14 });
  });

  it('tables the hooks (the skipped one marked), the services with their reasons, and the nodes', () => {
    expect(html).toContain('<tr><td class="name">disk-space</td><td>pre-update</td><td><span class="badge skipped">SKIPPED</span></td><td>skipped — skipped by operator</td><td class="number">6</td><td class="number">—</td>');
    expect(html).toContain('<tr><td class="name">tql</td><td>L5</td><td><span class="badge skipped">SKIPPED</span></td><td>7.1.3</td><td class="reason">skipped because search failed</td></tr>');
    expect(html).toContain('<tr><td class="name">node-1</td><td>canary</td><td><span class="badge updated">UPDATED</span></td><td>7.2.0</td></tr>');
    expect(html).toContain('<tr><td class="name">node-6</td><td>wave 3</td>');
  });

  it('lists the failed checkpoints with their errors', () => {
    expect(html).toContain('<h2>Failures (2)</h2>');
    expect(html).toContain('<code>service · search · update-node-2</code>');
  });

  it('draws a step still running striped and open, and calls the duration "so far"', () => {
    const running = renderReportHtml(reportInput(checkpointsAt(checkpoints, 40), { status: 'RUNNING', error: undefined, generatedAt: new Date(REPORT_T0 + 40_000).toISOString() }));
    expect(bars(running).filter((b) => b.classes.includes('running'))).toEqual([expect.objectContaining({ classes: ['running', 'open'], phase: 'canary' })]);
    expect(bars(running).find((b) => b.classes.includes('running'))!.title).toContain('end: still running');
    expect(running).toContain('<dt>Duration</dt><dd>40s so far</dd>');
    expect(running).not.toContain('Failures (');
  });
});

describe('renderReportHtml with hostile data', () => {
  const evilNode = `n"><script>alert(1)</script><x a='`;
  const evilCheckpoints: CheckpointRecord[] = [
    { updateId: 'u"1', phase: 'wave', target: evilNode, step: `drain" onmouseover="alert(2)`, status: 'FAILED', fence: 1, attempts: 1, startedAt: new Date(REPORT_T0).toISOString(), endedAt: new Date(REPORT_T0 + 5000).toISOString(), error: `</title></rect><script>alert(3)</script>` },
    { updateId: 'u"1', phase: 'service', target: '<svc>', step: 'service', status: 'SKIPPED', fence: 1, attempts: 1, endedAt: new Date(REPORT_T0).toISOString(), reason: `because <b>"x"</b>` },
  ];
  const html = renderReportHtml({
    ...reportInput(evilCheckpoints, { updateId: `u"1<script>`, cluster: '<img src=x onerror=alert(4)>', release: `'7'`, error: HOSTILE, executionArn: '"><script>', canary: evilNode }),
    waves: [[evilNode]],
    serviceOrder: [['<svc>']],
    services: [{ name: '<svc>', state: 'SKIPPED', reason: '<i>' }],
    nodes: [{ id: evilNode, release: '</td><script>', state: 'FAILED' }],
  });

  it('escapes every string from the data so none of it becomes markup or leaves its attribute', () => {
    expect(html).not.toMatch(/<script|<img|<svc>|<b>"x"|<i>|" onmouseover=/i);
    expect(html).toContain(`data-target="n&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;x a=&#39;"`);
    expect(html).toContain('data-step="drain&quot; onmouseover=&quot;alert(2)"');
    expect(html).toContain('error: &lt;/title&gt;&lt;/rect&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
  });

  it('still draws both bars', () => {
    expect(bars(html)).toHaveLength(2);
  });
});

describe('renderReportHtml for 1,000 nodes', () => {
  it('stays small and quick: collapsed waves, every node still in the nodes table', () => {
    const input = largeReportInput(1000);
    const started = performance.now();
    const html = renderReportHtml(input);
    const elapsed = performance.now() - started;
    expect(html.length).toBeLessThan(1_000_000);
    expect(elapsed).toBeLessThan(3000);
    expect(html.match(/<tr><td class="name">node-\d{4}<\/td>/g)).toHaveLength(1000);
    expect(html).toContain('Waves of more than 50 nodes, and hook or service lanes with more steps than that, are collapsed to one bar per step');
    // 1,000 nodes start folded: the page opens on the summary and the timeline.
    expect(html).toContain('<details><summary>Nodes (1000)</summary>');
  });
});

describe('renderReportHtml before anything ran', () => {
  it('renders the header, zero counts and an empty timeline for an update not yet planned', () => {
    const html = renderReportHtml({
      updateId: 'u-new', cluster: 'c', release: '2.0.0', status: 'PENDING', phase: 'plan', waves: [], serviceOrder: [],
      createdAt: new Date(REPORT_T0).toISOString(), generatedAt: new Date(REPORT_T0 + 5000).toISOString(), checkpoints: [], services: [], nodes: [],
    });
    expect(html).toContain('<span class="badge pending">PENDING</span>');
    expect(html).toContain('<dt>Duration</dt><dd>5s so far</dd>');
    expect(html).toContain('<svg class="timeline"');
    expect(bars(html)).toEqual([]);
    expect(html).toContain('No hook has run.');
  });
});

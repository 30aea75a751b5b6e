import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../src/cli/report';
import { CHROMIUM, runChromium } from '../../fixtures/report/headless-chromium';
import { countColour, decodePng, distinctColours } from '../../fixtures/report/png-pixels';
import { SKIPPED_DEPENDENTS, failedUpdateCheckpoints, reportInput } from '../../fixtures/report/report-fixture';

const SUCCEEDED_GREEN = '#16a34a';
const FAILED_RED = '#dc2626';
const SKIPPED_HATCH = '#9ca3af';

/** The timeline's bars in a DOM Chromium serialized (legend swatches carry no data-phase). */
const domBars = (dom: string) => [...dom.matchAll(/<rect class="bar ([^"]*)"[^>]*?data-phase="([^"]*)" data-target="([^"]*)" data-step="([^"]*)"/g)].map((m) => ({ classes: m[1]!.split(' '), phase: m[2]!, target: m[3]!, step: m[4]! }));

/**
 * The report of a realistic failed update (canary, three waves, 14 services,
 * `search` failed and its dependents skipped, a pre-update hook skipped)
 * opened in headless Chromium: the DOM it builds has every bar, and the page
 * it paints shows them.
 */
describe.skipIf(!existsSync(CHROMIUM))(`the HTML report in headless Chromium (skipped when ${CHROMIUM} is absent: apt-get install -y chromium)`, () => {
  const checkpoints = failedUpdateCheckpoints();
  let directory: string;
  let page: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'cu-report-'));
    page = join(directory, 'update.html');
    writeFileSync(page, renderReportHtml(reportInput(checkpoints)));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('builds a DOM with a bar per checkpoint, failures and skips marked, and no script', async () => {
    const { stdout: dom } = await runChromium(['--dump-dom', pathToFileURL(page).href]);
    expect(dom).toContain('<svg class="timeline"');
    const bars = domBars(dom);
    expect(bars).toHaveLength(checkpoints.length);
    expect(bars.filter((b) => b.classes.includes('failed')).map((b) => `${b.target}/${b.step}`).sort()).toEqual(['search/service', 'search/update-node-2']);
    expect(bars.filter((b) => b.phase === 'service' && b.classes.includes('skipped')).map((b) => b.target).sort()).toEqual([...SKIPPED_DEPENDENTS].sort());
    expect(bars.filter((b) => b.step === 'disk-space' && b.classes.includes('marker'))).toHaveLength(6);
    // The markup in the failed service's error stayed text.
    expect(dom).not.toMatch(/<script/i);
    expect(dom).toContain('exit 1: &lt;script&gt;alert("x")&lt;/script&gt;');
  });

  it('paints the page: a non-trivial screenshot with green, red and hatched bars', async () => {
    const above = join(directory, 'above-the-fold.png');
    const whole = join(directory, 'whole-timeline.png');
    await runChromium([`--screenshot=${above}`, '--window-size=1400,1000', '--hide-scrollbars', pathToFileURL(page).href]);
    await runChromium([`--screenshot=${whole}`, '--window-size=1400,2000', '--hide-scrollbars', pathToFileURL(page).href]);
    expect(statSync(above).size).toBeGreaterThan(30_000);
    const first = decodePng(readFileSync(above));
    expect([first.width, first.height]).toEqual([1400, 1000]);
    expect(distinctColours(first)).toBeGreaterThan(100);
    // Hooks, canary and waves are above the fold: thousands of green pixels, and the skipped hook's hatching.
    expect(countColour(first, SUCCEEDED_GREEN)).toBeGreaterThan(5000);
    expect(countColour(first, SKIPPED_HATCH)).toBeGreaterThan(200);
    // The failed service's bar is further down: the taller window shows a few hundred more red pixels.
    const all = decodePng(readFileSync(whole));
    expect(countColour(all, FAILED_RED) - countColour(first, FAILED_RED)).toBeGreaterThan(150);
  });
});

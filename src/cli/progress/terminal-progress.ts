import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { UpdateView } from '../status/update-view';
import type { ProgressRenderer } from './progress-renderer';
import { outcomeLines, timing } from './format';

const IN_FLIGHT_SHOWN = 4;

/**
 * A live display redrawn in place (cli-progress): a header with the phase,
 * canary, elapsed time and estimate, bars for waves, nodes and services, and
 * the commands running now. Changes worth keeping (failures, phase changes)
 * are logged above the bars.
 */
export class TerminalProgress implements ProgressRenderer {
  private readonly bars: MultiBar;
  private header?: SingleBar;
  private waves?: SingleBar;
  private nodes?: SingleBar;
  private services?: SingleBar;
  private running?: SingleBar;
  private lastPhase = '';
  private readonly reported = new Set<string>();

  public constructor(private readonly stream: NodeJS.WriteStream) {
    this.bars = new MultiBar(
      { stream, format: ' {label} {bar} {value}/{total} {detail}', hideCursor: true, clearOnComplete: false, barsize: 30, autopadding: true, forceRedraw: true },
      Presets.shades_classic,
    );
  }

  public update(view: UpdateView): void {
    if (!this.header) {
      const text = { format: ' {detail}' };
      this.header = this.bars.create(1, 0, { detail: '' }, text);
      this.waves = this.bars.create(Math.max(view.waves.total, 1), 0, { label: 'waves   ', detail: '' });
      this.nodes = this.bars.create(Math.max(view.counts.nodes.total, 1), 0, { label: 'nodes   ', detail: '' });
      this.services = this.bars.create(Math.max(view.counts.services.total, 1), 0, { label: 'services', detail: '' });
      this.running = this.bars.create(1, 0, { detail: '' }, text);
    }
    if (view.phase !== this.lastPhase) this.bars.log(`phase ${view.phase}\n`);
    this.lastPhase = view.phase;
    for (const item of [...view.nodes.map((n) => ({ key: `node ${n.id}`, state: n.state, reason: undefined as string | undefined })), ...view.services.map((s) => ({ key: `service ${s.name}`, state: s.state, reason: s.reason }))]) {
      const event = `${item.key} ${item.state}`;
      if ((item.state === 'FAILED' || item.state === 'SKIPPED') && !this.reported.has(event)) {
        this.reported.add(event);
        this.bars.log(`${event}${item.reason ? `: ${item.reason}` : ''}\n`);
      }
    }
    const { nodes, services } = view.counts;
    this.header!.update(0, { detail: `${view.updateId} · ${view.status} · phase ${view.phase}${view.canary ? ` · canary ${view.canary}` : ''} · ${timing(view)}` });
    this.waves!.setTotal(Math.max(view.waves.total, 1));
    this.waves!.update(view.waves.done, { detail: '' });
    this.nodes!.setTotal(Math.max(nodes.total, 1));
    this.nodes!.update(nodes.done, { detail: `${nodes.failed} failed, ${nodes.skipped} skipped` });
    this.services!.setTotal(Math.max(services.total, 1));
    this.services!.update(services.done, { detail: `${services.failed} failed, ${services.skipped} skipped` });
    const now = view.inFlight.slice(0, IN_FLIGHT_SHOWN).map((s) => `${s.target}:${s.step}`).join(', ');
    this.running!.update(0, { detail: now ? `running: ${now}${view.inFlight.length > IN_FLIGHT_SHOWN ? ` +${view.inFlight.length - IN_FLIGHT_SHOWN}` : ''}` : '' });
  }

  public finish(view: UpdateView): void {
    this.update(view);
    this.bars.stop();
    for (const line of outcomeLines(view)) this.stream.write(`${line}\n`);
  }
}

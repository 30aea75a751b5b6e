import type { UpdateView } from '../status/update-view';
import type { ProgressRenderer } from './progress-renderer';
import { formatDuration, outcomeLines, summaryLine } from './format';

/**
 * Plain lines for logs and pipes: one line per change (phase, a node or a
 * service changing state, a wave done, a new in-flight step), stamped with the
 * elapsed time. No ANSI codes, never the same line twice.
 */
export class LineProgress implements ProgressRenderer {
  private last?: UpdateView;
  private lastSummary = '';

  public constructor(private readonly stream: NodeJS.WritableStream) {}

  public update(view: UpdateView): void {
    const before = this.last;
    const stamp = `[${formatDuration(view.elapsedMs).padStart(6)}]`;
    const say = (text: string) => this.stream.write(`${stamp} ${text}\n`);
    if (!before) say(`update ${view.updateId}: ${view.cluster} ${view.previous ?? '?'} → ${view.release}${view.rollbackOf ? ` (rollback of ${view.rollbackOf})` : ''}`);
    if (!before?.canary && view.canary) say(`plan ${view.planHash?.slice(0, 12)}: canary ${view.canary}, ${view.waves.total} waves, ${view.services.length} services`);
    if (before?.phase !== view.phase || before?.status !== view.status) say(`${view.status.toLowerCase()} · phase ${view.phase}`);
    const nodesBefore = new Map(before?.nodes.map((n) => [n.id, n.state]));
    for (const node of view.nodes) if (node.state !== (nodesBefore.get(node.id) ?? 'PENDING')) say(`node ${node.id} ${node.state}${node.id === view.canary ? ' (canary)' : ''}`);
    const servicesBefore = new Map(before?.services.map((s) => [s.name, s.state]));
    for (const service of view.services) {
      if (service.state !== (servicesBefore.get(service.name) ?? 'PENDING')) say(`service ${service.name} ${service.state}${service.reason && service.state !== 'UPDATED' ? `: ${service.reason}` : ''}`);
    }
    if (before && view.waves.done > before.waves.done) say(`wave ${view.waves.done}/${view.waves.total} done`);
    const summary = summaryLine(view);
    if (summary !== this.lastSummary && before) say(summary);
    this.lastSummary = summary;
    this.last = view;
  }

  public finish(view: UpdateView): void {
    this.update(view);
    for (const line of outcomeLines(view)) this.stream.write(`${line}\n`);
  }
}

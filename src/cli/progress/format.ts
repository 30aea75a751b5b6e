import type { UpdateView } from '../status/update-view';

/** `1h02m`, `3m05s`, `12s`: durations as an operator reads them. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `canary node-1 UPDATED · waves 2/3 · nodes 4/6 updated · services 9/14 updated, 1 failed, 4 skipped` */
export function summaryLine(view: UpdateView): string {
  const { nodes, services } = view.counts;
  const canary = view.canary ? view.nodes.find((n) => n.id === view.canary) : undefined;
  const parts = [
    canary ? `canary ${canary.id} ${canary.state}` : undefined,
    `waves ${view.waves.done}/${view.waves.total}`,
    `nodes ${nodes.done}/${nodes.total} updated${nodes.failed ? `, ${nodes.failed} failed` : ''}${nodes.skipped ? `, ${nodes.skipped} skipped` : ''}`,
    `services ${services.done}/${services.total} updated${services.failed ? `, ${services.failed} failed` : ''}${services.skipped ? `, ${services.skipped} skipped` : ''}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

export function timing(view: UpdateView): string {
  return `${formatDuration(view.elapsedMs)} elapsed${view.estimateRemainingMs !== undefined ? `, ~${formatDuration(view.estimateRemainingMs)} left` : ''}`;
}

/** The closing block every renderer prints: outcome, failures with reasons, what to do next. */
export function outcomeLines(view: UpdateView): string[] {
  const lines = [`${view.updateId}: ${view.status} in ${formatDuration(view.elapsedMs)} — ${summaryLine(view)}`];
  if (view.error) lines.push(`  error: ${view.error}`);
  for (const node of view.nodes.filter((n) => n.state === 'FAILED')) lines.push(`  node ${node.id} FAILED (release ${node.release ?? 'mixed'})`);
  for (const service of view.services.filter((s) => s.state === 'FAILED' || s.state === 'SKIPPED')) {
    lines.push(`  service ${service.name} ${service.state}${service.reason ? `: ${service.reason}` : ''}`);
  }
  if (view.nextSteps.length > 0) lines.push('next:', ...view.nextSteps.map((step) => `  ${step}`));
  return lines;
}

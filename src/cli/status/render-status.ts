import { formatDuration, summaryLine, timing } from '../progress/format';
import type { UpdateView } from './update-view';

/** `status` for people: header, counts, every node and service, hooks, what runs now, what to do next. */
export function renderStatus(view: UpdateView): string {
  const lines: string[] = [];
  lines.push(`update ${view.updateId}: ${view.cluster} ${view.previous ?? '?'} → ${view.release}${view.rollbackOf ? ` (rollback of ${view.rollbackOf})` : ''}`);
  lines.push(`  status     ${view.status} · phase ${view.phase} · ${timing(view)}${view.redriveCount ? ` · redriven ${view.redriveCount}×` : ''}`);
  if (view.executionArn) lines.push(`  execution  ${view.executionArn}`);
  if (view.planHash) lines.push(`  plan       ${view.planHash}`);
  lines.push(`  progress   ${summaryLine(view)}`);
  if (view.hooks.length > 0) lines.push(`  hooks      ${view.hooks.map((h) => `${h.name} ${h.state}`).join(', ')}`);
  if (view.inFlight.length > 0) {
    lines.push('  running now:');
    for (const step of view.inFlight) lines.push(`    ${step.phase} ${step.target} ${step.step}${step.commandId ? ` (command ${step.commandId})` : ''}${step.since ? ` for ${formatDuration(Date.now() - Date.parse(step.since))}` : ''}`);
  }
  if (view.nodes.length > 0) {
    lines.push('  nodes:');
    for (const node of view.nodes) lines.push(`    ${node.id.padEnd(16)} ${String(node.release ?? 'mixed').padEnd(10)} ${node.state}${node.id === view.canary ? '  (canary)' : ''}`);
  }
  if (view.services.length > 0) {
    lines.push('  services:');
    for (const service of view.services) {
      lines.push(`    ${service.name.padEnd(28)} ${String(service.release ?? '-').padEnd(10)} ${service.state}${service.reason ? `  (${service.reason})` : ''}`);
    }
  }
  if (view.outages && view.outages.length > 0) {
    // What minHealthy is counted against right now: a failed replica stays out until a resume repairs it.
    lines.push('  out of service (outage slots held):');
    for (const out of view.outages) lines.push(`    ${out.service.padEnd(28)} on ${out.node.padEnd(16)} ${out.failed ? `FAILED, stays out until resume${out.error ? `: ${out.error}` : ''}` : `by ${out.holder}`}`);
  }
  if (view.error) lines.push(`  error      ${view.error}`);
  if (view.nextSteps.length > 0) lines.push('next:', ...view.nextSteps.map((step) => `  ${step}`));
  return `${lines.join('\n')}\n`;
}

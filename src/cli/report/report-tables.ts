import type { CheckpointRecord } from '../../aws/store/checkpoint-store';
import type { HookResult } from './hook-results';
import { escapeHtml } from './html-escape';
import type { ReportInput } from './report-input';
import { durationLabel } from './time-axis';

/** The failures list never grows past this: the timeline and the tables hold the rest. */
const MAX_LISTED_FAILURES = 50;

export function hooksTable(hooks: readonly HookResult[]): string {
  if (hooks.length === 0) return '<p class="empty">No hook has run.</p>';
  const rows = hooks.map((h) =>
    row([
      cell(h.name, 'name'),
      cell(h.phase === 'pre-hooks' ? 'pre-update' : 'post-update'),
      statusCell(h.status),
      cell(h.skipped ? `skipped${h.reason !== undefined ? ` — ${h.reason}` : ''}` : 'no'),
      cell(String(h.nodes), 'number'),
      cell(h.durationMs !== undefined ? durationLabel(h.durationMs) : '—', 'number'),
      cell(h.error ?? '', 'error'),
    ]),
  );
  return table(['Hook', 'Phase', 'Status', 'Skipped', 'Nodes', 'Duration', 'Error'], rows);
}

export function servicesTable(services: ReportInput['services'], serviceOrder: ReportInput['serviceOrder']): string {
  if (services.length === 0) return '<p class="empty">No service.</p>';
  const level = new Map(serviceOrder.flatMap((names, i) => names.map((n): [string, number] => [n, i + 1])));
  const rows = services.map((s) => row([cell(s.name, 'name'), cell(level.has(s.name) ? `L${level.get(s.name)}` : '—'), statusCell(s.state), cell(s.release ?? '—'), cell(s.reason ?? '', s.state === 'FAILED' ? 'error' : 'reason')]));
  return table(['Service', 'Level', 'State', 'Release', 'Reason'], rows);
}

export function nodesTable(input: Pick<ReportInput, 'nodes' | 'waves' | 'canary'>): string {
  if (input.nodes.length === 0) return '<p class="empty">No node.</p>';
  const wave = new Map(input.waves.flatMap((nodes, i) => nodes.map((n): [string, string] => [n, `wave ${i + 1}`])));
  const rows = input.nodes.map((n) => row([cell(n.id, 'name'), cell(n.id === input.canary ? 'canary' : (wave.get(n.id) ?? '—')), statusCell(n.state), cell(n.release ?? 'unknown')]));
  return table(['Node', 'Role', 'State', 'Release'], rows);
}

/** Every failed checkpoint with its error: what an operator fixes before `resume`. */
export function failuresList(checkpoints: readonly CheckpointRecord[]): string {
  const failed = checkpoints.filter((c) => c.status === 'FAILED');
  if (failed.length === 0) return '';
  const items = failed.slice(0, MAX_LISTED_FAILURES).map((c) => `<li><code>${escapeHtml(`${c.phase} · ${c.target} · ${c.step}`)}</code>${c.error !== undefined ? ` — <span class="error">${escapeHtml(c.error)}</span>` : ''}</li>`);
  const more = failed.length > MAX_LISTED_FAILURES ? `<li>… and ${failed.length - MAX_LISTED_FAILURES} more failed checkpoints</li>` : '';
  return `<section class="failures"><h2>Failures (${failed.length})</h2><ul>${items.join('')}${more}</ul></section>`;
}

export function statusBadge(status: string): string {
  return `<span class="badge ${escapeHtml(status.toLowerCase())}">${escapeHtml(status)}</span>`;
}

function statusCell(status: string): string {
  return `<td>${statusBadge(status)}</td>`;
}

function cell(text: string, className?: string): string {
  return `<td${className !== undefined ? ` class="${className}"` : ''}>${escapeHtml(text)}</td>`;
}

function row(cells: readonly string[]): string {
  return `<tr>${cells.join('')}</tr>`;
}

function table(headings: readonly string[], rows: readonly string[]): string {
  return `<table><thead><tr>${headings.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

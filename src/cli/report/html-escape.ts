/**
 * Escapes text for HTML element content and double- or single-quoted
 * attribute values alike (SVG inline in HTML included): every string that
 * comes from checkpoints, the manifest or the operator goes through here.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

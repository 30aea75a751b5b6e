import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../../src/cli/report/html-escape';

describe('escapeHtml', () => {
  it('turns every character that opens markup or closes an attribute into an entity', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  });

  it('leaves ordinary text, unicode included, as it is', () => {
    expect(escapeHtml('node-1 → 7.2.0 · ✓')).toBe('node-1 → 7.2.0 · ✓');
  });

  it('escapes an ampersand once, so entities in the data show as typed', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CONTENT_ITEMS, capResult } from '../../../src/providers/mcp/output';

test('capResult: text over the budget, thousands of items, long URIs and binary data → at most the budget of text, 100 items, no binary', () => {
  const content = [
    { type: 'text', text: 'a'.repeat(500) },
    { type: 'resource_link', uri: `file:///${'x'.repeat(10_000)}`, name: 'n' },
    { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo'.repeat(1000) },
    ...Array.from({ length: 5_000 }, () => ({ type: 'text', text: 'b' })),
  ];
  const { data, truncated } = capResult({ content, structuredContent: { big: 'c'.repeat(5_000) } }, 1_000);
  assert.equal(truncated, true);
  assert.equal(data.content.length, MAX_CONTENT_ITEMS);
  const json = JSON.stringify(data);
  assert.ok(json.length < 1_000 + 200 * MAX_CONTENT_ITEMS, `${json.length}`);
  assert.ok(!json.includes('iVBOR'));
  assert.ok(!json.includes('x'.repeat(600)));
});

test('capResult: a credential echoed anywhere (text, URI, structured content) → redacted', () => {
  const redact = (t: string) => t.split('tok-123').join('[REDACTED]');
  const { data } = capResult(
    {
      content: [
        { type: 'text', text: 'tok-123' },
        { type: 'resource_link', uri: 'https://x/?t=tok-123', name: 'a' },
      ],
      structuredContent: { t: 'tok-123' },
    },
    1_000,
    redact,
  );
  assert.ok(!JSON.stringify(data).includes('tok-123'), JSON.stringify(data));
});

test('capResult: long type and mimeType labels on 100 items of an unknown type → they count against the budget, never past it (red team 14)', () => {
  // A server's words in any field reach the model and the history: 100 items × 2 labels × 512
  // characters went past a 1,000-character budget a hundredfold.
  const content = Array.from({ length: MAX_CONTENT_ITEMS }, (_, i) => ({ type: `x${i}-${'t'.repeat(600)}`, mimeType: 'm'.repeat(600), data: 'AAAA' }));
  const { data, truncated } = capResult({ content }, 1_000);
  assert.equal(truncated, true);
  const json = JSON.stringify(data);
  assert.ok(json.length < 1_000 + 200 * MAX_CONTENT_ITEMS, `${json.length}`);
  assert.ok(!json.includes('t'.repeat(600)));
});

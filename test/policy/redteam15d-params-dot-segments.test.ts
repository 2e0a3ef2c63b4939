/**
 * Red team 15d: a `params` deny on a relative path is not dodged by `.` or `..` segments. The
 * reference makes a glob starting with `/` judge only normalised absolute paths; a relative glob
 * judged the text as written, so a deny of `{ path: 'secrets/**' }` (an MCP file server resolves
 * relative paths against its folder) missed `./secrets/key`, `notes/../secrets/key` and
 * `secrets/./key` — each names the same file to the server — and a capability allowed the call.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { loadPolicyText } from '../../src/policy/load';

const POLICY = `
capabilities:
  - id: fs-tools
    action: mcp.call
    resource: 'fs/*'
  - id: kv
    action: kv.put
    resource: '**'
    constraint: { params: { key: 'public/**' } }
deny:
  - id: no-secrets
    action: mcp.call
    resource: 'fs/*'
    constraint: { params: { path: 'secrets/**' } }
ask:
  - id: ask-config
    action: mcp.call
    resource: 'fs/write_file'
    constraint: { params: { path: '*.conf' } }
`;

const policy = compilePolicy(loadPolicyText(POLICY, 'p.yaml', { extraActions: ['kv.put'] }));
const call = (tool: string, path: string) => evaluate(policy, canonicalizeRequest({ action: 'mcp.call', target: tool, params: { arguments: { path } } }));

describe('redteam15d: a params glob on a relative path is not dodged by dot-segments', () => {
  for (const path of ['secrets/key', './secrets/key', 'notes/../secrets/key', 'secrets/./key', 'secrets/sub/../key']) {
    test(`deny { path: 'secrets/**' }: ${path} → deny`, () => {
      const d = call('fs/read_text_file', path);
      assert.equal(d.effect, 'deny', d.reason);
      assert.equal(d.ruleId, 'no-secrets');
    });
  }

  test("an ask on '*.conf' asks for ./app.conf too (a deny with a params glob covers such a path: fail closed)", () => {
    const p = compilePolicy(loadPolicyText(POLICY.replace(/deny:[\s\S]*?ask:/, 'ask:'), 'p.yaml', { extraActions: ['kv.put'] }));
    for (const path of ['./app.conf', 'app.conf', 'x/../app.conf']) {
      const d = evaluate(p, canonicalizeRequest({ action: 'mcp.call', target: 'fs/write_file', params: { arguments: { path } } }));
      assert.equal(d.effect, 'ask', `${path}: ${d.reason}`);
    }
    assert.equal(call('fs/write_file', './app.conf').ruleId, 'no-secrets');
  });

  test('a grant never matches a path with a dot-segment; plain relative paths and dot-files are judged as before', () => {
    const put = (key: string) => evaluate(policy, canonicalizeRequest({ action: 'kv.put', target: 'store', params: { key } })).effect;
    assert.equal(put('public/a'), 'allow');
    assert.equal(put('public/../private/a'), 'deny');
    assert.equal(put('./public/a'), 'deny');
    assert.equal(call('fs/read_text_file', 'notes/a.md').effect, 'allow');
    assert.equal(call('fs/read_text_file', 'secrets.md').effect, 'allow');
  });
});

describe('redteam15d: an ask on an absolute params glob is not dodged by "//" or a trailing "/"', () => {
  test("ask { path: '/workspace/prod/**' }: /workspace//prod/app, /workspace/prod/ → ask (a capability allowed them unasked)", () => {
    const p = compilePolicy(
      loadPolicyText(
        `
capabilities:
  - action: mcp.call
    resource: 'fs/*'
ask:
  - id: ask-prod
    action: mcp.call
    resource: 'fs/*'
    constraint: { params: { path: '/workspace/prod/**' } }
`,
        'p.yaml',
      ),
    );
    for (const path of ['/workspace/prod/app', '/workspace/x/../prod/app', '/workspace//prod/app', '/workspace/prod/']) {
      const d = evaluate(p, canonicalizeRequest({ action: 'mcp.call', target: 'fs/write_file', params: { arguments: { path } } }));
      assert.equal(d.effect, 'ask', `${path}: ${d.reason}`);
    }
  });
});

describe('redteam15d: an ask on a params value is not dodged by spelling it as another type', () => {
  test('ask { force: true }: force "true" or 1 → ask (a server may read either as true; a capability allowed them unasked)', () => {
    const p = compilePolicy(
      loadPolicyText(
        `
capabilities:
  - action: kv.put
    resource: '**'
ask:
  - id: ask-force
    action: kv.put
    resource: '**'
    constraint: { params: { force: true } }
`,
        'p.yaml',
        { extraActions: ['kv.put'] },
      ),
    );
    for (const force of [true, 'true', 1]) {
      const d = evaluate(p, canonicalizeRequest({ action: 'kv.put', target: 'store', params: { force } }));
      assert.equal(d.effect, 'ask', `${JSON.stringify(force)}: ${d.reason}`);
    }
    assert.equal(evaluate(p, canonicalizeRequest({ action: 'kv.put', target: 'store', params: { force: false } })).effect, 'allow');
  });

  test('ask { amount: { min: 1000 } }: amount "5000" → ask; 10 → allow', () => {
    const p = compilePolicy(
      loadPolicyText(
        `
capabilities:
  - action: kv.put
    resource: '**'
ask:
  - id: ask-large
    action: kv.put
    resource: '**'
    constraint: { params: { amount: { min: 1000 } } }
`,
        'p.yaml',
        { extraActions: ['kv.put'] },
      ),
    );
    const put = (amount: unknown) => evaluate(p, canonicalizeRequest({ action: 'kv.put', target: 'store', params: { amount } })).effect;
    assert.equal(put('5000'), 'ask');
    assert.equal(put(5000), 'ask');
    assert.equal(put(10), 'allow');
  });
});

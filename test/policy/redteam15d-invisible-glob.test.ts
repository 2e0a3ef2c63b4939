/**
 * Red team 15d: a glob holds no character its reader cannot see. A deny of
 * `/workspace/pro\u200Bd/**` (a zero-width space inside "prod") reads as `/workspace/prod/**` in
 * any editor, review or `policy check` output, was accepted, and covered nothing under
 * /workspace/prod: a write there went ahead under the workspace grant. The same with a
 * right-to-left override (Trojan Source), a no-break space where a space seems to be, or a C1
 * control (no target can hold one, so the rule was dead).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePolicy } from '../../src/policy/parse';
import { validatePolicy } from '../../src/policy/validate';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

const problems = (yaml: string) => validatePolicy(parsePolicy(yaml, 'p.yaml')).problems.map((p) => p.code);

const policy = (deny: string) => `
capabilities:
  - id: workspace
    action: fs.write
    resource: /workspace/**
deny:
  - id: no-prod
    action: fs.write
    resource: "${deny}"
`;

describe('redteam15d: a glob with an invisible character is refused', () => {
  for (const [deny, what] of [
    ['/workspace/pro\\u200Bd/**', 'a zero-width space'],
    ['/workspace/\\u202Edorp/**', 'a right-to-left override'],
    ['/workspace/my\\u00A0docs/**', 'a no-break space'],
    ['/workspace/prod\\uFEFF/**', 'a zero-width no-break space (BOM)'],
    ['/workspace/pr\\u0085od/**', 'a C1 control'],
    ['/workspace/prod\\u2028/**', 'a line separator'],
  ] as const) {
    test(`${what} → E_BAD_GLOB`, () => {
      assert.deepEqual(problems(policy(deny)), ['E_BAD_GLOB']);
    });
  }

  test('in args, cwd and params globs too', () => {
    const yaml = `
capabilities:
  - action: proc.exec
    resource: git
    constraint: { deny_args: ["--upload\\u200B-pack*"], cwd: "/workspace/\\u200B**" }
`;
    assert.deepEqual(problems(yaml), ['E_BAD_GLOB', 'E_BAD_GLOB']);
  });

  test('through the kernel: the policy does not load, so the write to /workspace/prod never happens', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(path.join(ws, 'prod'), { recursive: true });
    let kernel: Kernel | undefined;
    try {
      kernel = new Kernel({
        policy: writePolicy(dir, policy('/workspace/pro\\u200Bd/**')),
        providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
        logPath: path.join(dir, 'kernel.log'),
      });
      await kernel.submit({ action: 'fs.write', target: '/workspace/prod/app.conf', params: { content: 'owned' } });
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'Policy.Invalid');
    } finally {
      await kernel?.close();
    }
    assert.equal(fs.existsSync(path.join(ws, 'prod', 'app.conf')), false, 'the write under the invisible deny went ahead');
  });

  test('ordinary spaces and non-ASCII letters stay legal', () => {
    assert.deepEqual(problems(policy('/workspace/my docs/**')), []);
    assert.deepEqual(problems(policy('/workspace/café/**')), []);
  });
});

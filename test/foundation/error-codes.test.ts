import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DenialCode, ErrorCode, FsEscapeError, errorCode, isErrorCode, ReversibleActionLayer, SnapshotStore } from '../../src/index';
import type { Kernel } from '../../src/kernel/kernel';
import { BudgetFailure } from '../../src/workflows/budgets';
import { RunFailure } from '../../src/workflows/agent-run';
import { repoRoot } from '../helpers/paths';

const FAMILIES = 'Kernel|Policy|Fs|Provider|Reversible|Tool|Run|Budget|Model|Client';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

test('error codes: every dotted code literal in src → listed in ErrorCode', () => {
  const missing: string[] = [];
  for (const file of sourceFiles(path.join(repoRoot, 'src'))) {
    for (const [i, line] of fs.readFileSync(file, 'utf8').split('\n').entries()) {
      if (/^\s*(\*|\/\/)/.test(line)) continue;
      for (const m of line.matchAll(new RegExp(`'((?:${FAMILIES})\\.[A-Z][A-Za-z]+)'`, 'g'))) {
        if (!isErrorCode(m[1])) missing.push(`${path.relative(repoRoot, file)}:${i + 1}: ${m[1]}`);
      }
    }
  }
  assert.deepEqual(missing, [], "add these codes to the owning module's code object");
});

test("error codes: the workflows' failure types, DenialCode and the classes' codes → all in ErrorCode", () => {
  for (const code of [...Object.values(RunFailure), ...Object.values(BudgetFailure), ...Object.values(DenialCode)]) assert.ok(isErrorCode(code), code);
  assert.equal(new FsEscapeError('/x').code, ErrorCode.Fs.Escape);
  assert.equal(DenialCode.Escape, 'Fs.Escape');
  assert.equal(DenialCode.InvalidTarget, 'Policy.InvalidTarget');
  assert.equal(isErrorCode('Nope.Nothing'), false);
});

test('errorCode: a string code → that code; none, or not a string → the fallback', () => {
  assert.equal(errorCode(Object.assign(new Error('x'), { code: 'Fs.Escape' }), 'F'), 'Fs.Escape');
  assert.equal(errorCode({ code: 'ENOENT' }, 'F'), 'ENOENT');
  assert.equal(errorCode(new Error('x'), 'F'), 'F');
  assert.equal(errorCode({ code: 7 }, 'F'), 'F');
  assert.equal(errorCode(null, 'F'), 'F');
  assert.equal(errorCode(undefined, 'F'), 'F');
});

test('rollback result: an ERROR → its message in `error` (as in ActionResult), no `reason`', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'error-field-'));
  try {
    const unused = {} as Pick<Kernel, 'submit' | 'submitUndo'>;
    const layer = new ReversibleActionLayer({ kernel: unused, strategies: [], store: new SnapshotStore(root) });
    const result = await layer.rollback('0'.repeat(32));
    assert.equal(result.status, 'ERROR');
    assert.equal(result.code, ErrorCode.Reversible.UnknownRecord);
    assert.match(String(result.error), /\S/);
    assert.equal(result.reason, undefined);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

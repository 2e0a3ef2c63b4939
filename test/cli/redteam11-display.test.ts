/**
 * redteam11-audit: agent-controlled text (a target, a tool name, a reason quoting either)
 * must not be able to forge or hide lines where a person reads the audit trail: `audit log`
 * (text), the steps `run` / `dev` / `status` print, and pending approvals. The JSONL log
 * itself escapes everything (JSON); these views printed the strings raw, so an escape
 * sequence or a carriage return in a DENIED call's target could erase the line above or
 * rewrite its own to read like an allowed action.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { formatRecord } from '../../src/cli/audit-log';
import { formatApprovalPending, formatInvalidCall, formatStep } from '../../src/cli/run-format';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

// C0 controls (ESC, CR, LF, BS …), DEL, C1 controls (CSI U+009B), line/paragraph separators, bidi overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Erase the line above, go to column 0 and print a fake allowed record. */
const FORGED = '\u001b[1A\u001b[2K\r2026-12-02T04:00:00.000Z  OK      fs.read /workspace/report.md';

describe('redteam11-audit: agent text in the human views of the audit trail', () => {
  test('audit log (text): a malformed request whose target carries ESC / CR → its record is shown on one line, every control character escaped', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const kernel = new Kernel({
      policy: writePolicy(dir, 'capabilities: []\n'),
      providers: [new FilesystemProvider({ mounts: { '/workspace': dir } })],
      logPath,
    });
    const denied = await kernel.submit({ action: 'fs.read', target: `/workspace/secret${FORGED}` });
    const refused = await kernel.recordRefusal(
      { action: 'tool.unknown', target: `tool:x${FORGED}`, params: {} },
      { status: 'ERROR', code: 'Tool.UnknownTool', reason: `unknown tool "x${FORGED}"` },
    );
    await kernel.close();
    assert.equal(denied.status, 'ERROR');
    assert.equal(refused.status, 'ERROR');
    const records = readLog(logPath);
    assert.equal(records.length, 2);
    // The record keeps the text exactly as given (the log is the evidence) …
    assert.ok(String(records[0]?.['target']).includes('\u001b[1A'));
    for (const record of records) {
      // … but the line a person reads has no control character left, and is one line.
      const line = formatRecord(record);
      assert.doesNotMatch(line, UNSAFE, JSON.stringify(line));
      assert.match(line, /\\u001b\[1A/, 'the escape is shown, not hidden');
    }
  });

  test('run / dev / status: steps, refused calls and pending approvals with agent text → printed without control characters', () => {
    const step = formatStep({
      summary: `tool.unknown tool:x${FORGED} → ERROR (Tool.UnknownTool)`,
      refusal: true,
      status: 'ERROR',
      detail: `unknown tool "x${FORGED}"`,
    });
    const plain = formatStep({ summary: `fs.read /workspace/a${FORGED}`, status: 'DENIED', detail: `no capability${FORGED}` });
    const invalid = formatInvalidCall({ turn: 1, tool: `x${FORGED}`, decision: 'invalid', status: 'ERROR', reason: `unknown tool "x${FORGED}"` });
    // A target that passes the kernel's checks (no C0 control) can still carry C1 controls and bidi overrides.
    const approval = formatApprovalPending('wf', {
      requestId: 'approval-1',
      action: 'fs.write',
      target: '/workspace/output/\u202egpj.exe\u009b2K',
      reason: 'rule asks',
    });
    for (const text of [step, plain, invalid, approval]) {
      const body = text.replace(/\n$/, '').split('\n');
      for (const line of body) assert.doesNotMatch(line, UNSAFE, JSON.stringify(text));
    }
    assert.equal(step.split('\n').length, 2, 'one line (and its newline)');
  });
});

/**
 * Runs a table of hostile requests through `Kernel.submit`, each as its own test, and
 * proves after every case that nothing happened outside the workspace: the canary folder's
 * tree hash is unchanged, the secret appears in no result, `evil.test` saw no connection and
 * `api.test` none unless the case is meant to reach it. After the table: the audit log
 * verifies and holds exactly one record per submit (failures included).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import type { ActionRequest, ActionResult } from '../../src/kernel/types';
import { SECRET, makeSandbox, treeHash, type Sandbox } from './adversarial-harness';

/** A kernel status. */
export type Status = 'OK' | 'DENIED' | 'ERROR';

/** One hostile case. */
export interface AdversarialCase {
  /** The condition, as the test name says it: `<unit>: <condition> → <outcome>`. */
  readonly name: string;
  /** Expected status; an array when either is acceptable (the reason is then in `why`). */
  readonly expect: Status | readonly Status[];
  /** Why a set of statuses is acceptable (required with an array). */
  readonly why?: string;
  readonly request: ActionRequest | ((s: Sandbox) => ActionRequest);
  /** Prepares the workspace (links, files); runs before the canary is hashed. */
  readonly setup?: (s: Sandbox) => void | Promise<void>;
  /** Runs beside the submit (e.g. a racing swapper); awaited after it. */
  readonly during?: (s: Sandbox) => { readonly started?: Promise<void>; stop(): Promise<void> };
  /** Extra checks on the result. */
  readonly check?: (result: ActionResult, s: Sandbox) => void | Promise<void>;
  /** The case may connect to api.test (an allowed endpoint). */
  readonly reachesApi?: boolean;
  /** How many submits of the request (a race loop); default 1. All must meet `expect`. */
  readonly repeat?: number;
  /** Test timeout in ms (a limit, not a measurement); default the runner's. */
  readonly timeout?: number;
}

/** Registers one `describe` with a test per case over a fresh sandbox. */
export function runAdversarialTable(title: string, cases: readonly AdversarialCase[]): void {
  describe(title, () => {
    let s: Sandbox;
    let submits = 0;
    before(async () => {
      s = await makeSandbox();
    });
    after(async () => {
      const lines = fs.readFileSync(s.logPath, 'utf8').trim().split('\n').filter(Boolean);
      await s.kernel.close();
      const verified = await verifyAuditLog(s.logPath);
      await s.close();
      assert.equal(verified.ok, true, JSON.stringify(verified.problems));
      assert.equal(lines.length, submits, 'one audit record per submit, failures included');
    });

    for (const c of cases) {
      test(c.name, { timeout: c.timeout ?? 60_000 }, async (t) => {
        if (Array.isArray(c.expect)) assert.ok(c.why, `case "${c.name}" accepts several statuses but says not why`);
        await c.setup?.(s);
        const before = treeHash(s.outside);
        const [api, evil] = [s.api.connections, s.evil.connections];
        const request = typeof c.request === 'function' ? c.request(s) : c.request;
        const racer = c.during?.(s);
        await racer?.started;
        const seen = new Map<string, number>();
        const results: ActionResult[] = [];
        try {
          for (let i = 0; i < (c.repeat ?? 1); i++) {
            const result = await s.submit(request);
            results.push(result);
            seen.set(result.status, (seen.get(result.status) ?? 0) + 1);
            submits++;
          }
        } finally {
          await racer?.stop();
        }
        if (racer !== undefined) t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(seen))}`);
        const allowed: readonly Status[] = Array.isArray(c.expect) ? c.expect : [c.expect as Status];
        for (const result of results) {
          assert.ok(
            allowed.includes(result.status as Status),
            `status ${result.status} (${result.code ?? ''}: ${result.error ?? ''}; ${result.reason ?? ''}), expected ${allowed.join('|')}`,
          );
          assert.ok(!JSON.stringify(result).includes(SECRET), 'the secret leaked into a result');
          await c.check?.(result, s);
        }
        assert.equal(treeHash(s.outside), before, 'the canary folder outside the workspace changed');
        assert.equal(s.evil.connections, evil, 'evil.test was contacted');
        if (!c.reachesApi) assert.equal(s.api.connections, api, 'api.test was contacted');
      });
    }
  });
}

/**
 * Race tier: the reversible layer's undo against a second process that swaps the target's
 * folder with a symlink to an outside folder holding files of the same names. 2,000 writes
 * that created a file are made first (no race), then rolled back while the swapper runs;
 * the canary tree outside must stay byte-identical.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { plantCanary } from './canary';
import { assertNoEffects, makeRaceEnv, OPERATIONS, race } from './race-env';
import { startSwapper } from './swapper';

describe('race: reversible layer', () => {
  test(
    'race layer.rollback of a write that created a file: its folder swapped with a link to an outside folder (2,000 rollbacks) → outside tree byte-identical',
    { timeout: 300_000 },
    async (t) => {
      const env = makeRaceEnv();
      const files = Array.from({ length: OPERATIONS }, (_, i) => `n${i}`);
      const victim = path.join(env.outside, 'victim');
      plantCanary(victim, files);
      fs.mkdirSync(path.join(env.ws, 'd'));
      const records: string[] = [];
      for (const f of files) {
        const r = await env.layer.submit({ action: 'fs.write', target: `/workspace/d/${f}`, params: { content: 'AGENT' } });
        assert.equal(r.status, 'OK', r.error);
        records.push(r.recordId as string);
      }
      fs.symlinkSync(victim, path.join(env.ws, 'd.x'));
      const report = await race({
        watch: env.outside,
        start: () => startSwapper(path.join(env.ws, 'd'), path.join(env.ws, 'd.x')),
        op: async (i) => {
          const r = await env.layer.rollback(records[i] as string);
          return { status: r.code ?? r.status };
        },
      });
      await env.close();
      assertNoEffects(t, report);
    },
  );
});

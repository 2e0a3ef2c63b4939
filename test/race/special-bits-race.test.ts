/**
 * Race tier, special mode bits: an unprivileged process (uid 65534 when the test runs as
 * root) keeps planting a mode-6755 file (setuid + setgid) in the workspace while the agent
 * writes to that name, and 2,000 setuid files are deleted and rolled back. Whatever the
 * worker writes or restores must never carry setuid, setgid or sticky bits: no file with the
 * agent's content and a special bit, no recreated file with one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertNoEffects, makeRaceEnv, OPERATIONS, race, type RaceEnv } from './race-env';
import { startPlanter } from './swapper';

const NOBODY = 65534;
const SPECIAL = 0o7000;
const AGENT = '#!/bin/sh\necho agent\n';

/** The planter runs as nobody when we can (root), else as ourselves. */
function plantAs(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
}

/** A folder the planter may write to. */
function toolsDir(env: RaceEnv): string {
  const dir = path.join(env.ws, 'tools');
  fs.mkdirSync(dir);
  for (const d of [env.root, env.ws]) fs.chmodSync(d, 0o755);
  fs.chmodSync(dir, 0o777);
  return dir;
}

/** Mode and content of the file at `file`, from one descriptor (undefined if missing or not a file). */
function facts(file: string): { mode: number; uid: number; text: string } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    return st.isFile() ? { mode: st.mode & 0o7777, uid: st.uid, text: fs.readFileSync(fd, 'utf8') } : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

describe('race: special mode bits', () => {
  for (const durability of ['full', 'os'] as const) {
    test(
      `race fs.write (durability '${durability}') over a setuid file an unprivileged process keeps planting (2,000 writes) → no file with the agent's content keeps a special bit`,
      { timeout: 300_000 },
      async (t) => {
        const env = makeRaceEnv({ durability });
        const tool = path.join(toolsDir(env), 'tool');
        const report = await race({
          watch: env.outside,
          start: () => startPlanter(tool, plantAs()),
          op: async (i) => {
            const r = await env.kernel.submit({ action: 'fs.write', target: '/workspace/tools/tool', params: { content: AGENT } });
            const now = facts(tool);
            const bad = now !== undefined && now.text === AGENT && (now.mode & SPECIAL) !== 0;
            return { status: r.code ?? r.status, effects: bad ? [`write ${i}: agent content with mode ${now.mode.toString(8)} owned by uid ${now.uid}`] : [] };
          },
        });
        await env.close();
        assertNoEffects(t, report);
      },
    );
  }

  test(
    'race layer.rollback of fs.delete of a setuid file (2,000 delete + rollback) → the recreated file has no special bit',
    { timeout: 300_000 },
    async (t) => {
      const env = makeRaceEnv();
      const dir = toolsDir(env);
      const files = Array.from({ length: OPERATIONS }, (_, i) => `del${i}`);
      for (const f of files) {
        const file = path.join(dir, f);
        fs.writeFileSync(file, '#!/bin/sh\nid\n');
        if (process.getuid?.() === 0) fs.chownSync(file, NOBODY, NOBODY);
        fs.chmodSync(file, 0o6755); // after chown, which clears these bits
      }
      const report = await race({
        watch: env.outside,
        start: () => startPlanter(path.join(dir, 'tool'), plantAs()),
        op: async (i) => {
          const file = path.join(dir, files[i] as string);
          const del = await env.layer.submit({ action: 'fs.delete', target: `/workspace/tools/${files[i] as string}` });
          assert.equal(del.status, 'OK', del.error);
          const undo = await env.layer.rollback(del.recordId as string);
          const now = facts(file);
          const bad = now !== undefined && (now.mode & SPECIAL) !== 0;
          return {
            status: undo.code ?? undo.status,
            effects: bad ? [`rollback ${i}: recreated with mode ${now.mode.toString(8)} owned by uid ${now.uid}`] : [],
          };
        },
      });
      await env.close();
      assertNoEffects(t, report);
    },
  );
});

/**
 * Race tier: the filesystem provider against a second process that swaps a folder inside
 * the workspace with a symlink to a canary folder outside it (renameat2 RENAME_EXCHANGE in
 * a tight loop) while ≥ 2,000 operations of each kind run through `Kernel.submit`. The
 * check is the canary tree, byte for byte, afterwards (and, for listings, that no outside
 * name came back).
 */
import { describe, test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { plantCanary } from './canary';
import { assertNoEffects, makeRaceEnv, OPERATIONS, race } from './race-env';
import { startSwapper } from './swapper';

const names = (prefix: string, n = OPERATIONS): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('race: filesystem provider', () => {
  test(
    'race fs.delete recursive: t/sub swapped with a link to an outside folder (2,000 deletes) → outside tree byte-identical',
    { timeout: 300_000 },
    async (t) => {
      const env = makeRaceEnv();
      const victim = path.join(env.outside, 'victim');
      plantCanary(victim, ['a', 'b', 'c']);
      const tree = path.join(env.ws, 't');
      const stage = path.join(env.ws, 'stage');
      const junk = path.join(env.ws, 'junk');
      fs.mkdirSync(junk);
      // Every tree is built before the race under another name and moved into place by its op:
      // the swapper only ever touches t/sub and t/sub.x.
      for (let i = 0; i < OPERATIONS; i++) {
        fs.mkdirSync(path.join(stage, String(i), 'sub', 'deeper'), { recursive: true });
        for (const f of ['a', 'b', 'c']) fs.writeFileSync(path.join(stage, String(i), 'sub', f), 'inside');
        fs.writeFileSync(path.join(stage, String(i), 'sub', 'deeper', 'keep.txt'), 'inside');
        fs.symlinkSync(victim, path.join(stage, String(i), 'sub.x'));
      }
      const report = await race({
        watch: env.outside,
        start: () => startSwapper(path.join(tree, 'sub'), path.join(tree, 'sub.x')),
        op: async (i) => {
          fs.renameSync(path.join(stage, String(i)), tree);
          const r = await env.kernel.submit({ action: 'fs.delete', target: '/workspace/t', params: { recursive: true } });
          if (isPresent(tree)) fs.renameSync(tree, path.join(junk, String(i)));
          return { status: r.code ?? r.status };
        },
      });
      await env.close();
      assertNoEffects(t, report);
    },
  );

  test(
    'race fs.delete file: its folder swapped with a link to an outside folder holding the same names (2,000 deletes) → outside tree byte-identical',
    { timeout: 300_000 },
    async (t) => {
      const env = makeRaceEnv();
      const victim = path.join(env.outside, 'victim');
      const files = names('v');
      plantCanary(victim, files);
      fs.mkdirSync(path.join(env.ws, 'd'));
      for (const f of files) fs.writeFileSync(path.join(env.ws, 'd', f), 'inside');
      fs.symlinkSync(victim, path.join(env.ws, 'd.x'));
      const report = await race({
        watch: env.outside,
        start: () => startSwapper(path.join(env.ws, 'd'), path.join(env.ws, 'd.x')),
        op: async (i) => {
          const r = await env.kernel.submit({ action: 'fs.delete', target: `/workspace/d/${files[i] as string}` });
          return { status: r.code ?? r.status };
        },
      });
      await env.close();
      assertNoEffects(t, report);
    },
  );

  test('race fs.list: the folder swapped with a link to an outside folder (6,000 listings) → no outside name listed', { timeout: 300_000 }, async (t) => {
    const env = makeRaceEnv();
    const victim = path.join(env.outside, 'victim');
    plantCanary(victim, names('outside-secret-', 10));
    fs.mkdirSync(path.join(env.ws, 'd'));
    for (const f of names('inside-', 10)) fs.writeFileSync(path.join(env.ws, 'd', f), 'inside');
    fs.symlinkSync(victim, path.join(env.ws, 'd.x'));
    const report = await race({
      watch: env.outside,
      start: () => startSwapper(path.join(env.ws, 'd'), path.join(env.ws, 'd.x')),
      operations: 3 * OPERATIONS, // cheap, and a leak needs three lucky moments: more tries
      op: async (i) => {
        const r = await env.kernel.submit({ action: 'fs.list', target: '/workspace/d' });
        const listed = Array.isArray(r.data) ? (r.data as { name: string }[]).map((e) => e.name) : [];
        const leaked = listed.filter((n) => !n.startsWith('inside-'));
        return { status: r.code ?? r.status, effects: leaked.length === 0 ? [] : [`listing ${i} returned outside names: ${leaked.slice(0, 3).join(', ')}`] };
      },
    });
    await env.close();
    assertNoEffects(t, report);
  });

  test(
    'race fs.write creating parents: the top folder swapped with a link to an outside folder (4,000 writes) → nothing created or changed outside',
    { timeout: 300_000 },
    async (t) => {
      const env = makeRaceEnv();
      const victim = path.join(env.outside, 'victim');
      plantCanary(victim, []);
      fs.mkdirSync(path.join(env.ws, 'd'));
      fs.symlinkSync(victim, path.join(env.ws, 'd.x'));
      const report = await race({
        watch: env.outside,
        start: () => startSwapper(path.join(env.ws, 'd'), path.join(env.ws, 'd.x')),
        operations: 2 * OPERATIONS,
        op: async (i) => {
          const r = await env.kernel.submit({ action: 'fs.write', target: `/workspace/d/n${i}/sub/x.txt`, params: { content: 'AGENT CONTENT' } });
          return { status: r.code ?? r.status };
        },
      });
      await env.close();
      assertNoEffects(t, report);
    },
  );
});

function isPresent(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

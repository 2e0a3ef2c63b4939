/**
 * Race tier, the walker's short way and the in-place write (fs-handle.ts, fs-write.ts): a
 * second process swaps a folder inside the workspace with a symlink to an outside folder
 * holding the same names (renameat2 RENAME_EXCHANGE in a tight loop) while ≥ 2,000 reads,
 * or 2,000 `durability: 'os'` writes over existing files (in place), run through
 * `Kernel.submit` — once with the target's own folder swapped, once a folder above it (the
 * open by path follows that link; the kernel-reported path must catch it). No read may
 * return an outside byte and the canary tree must stay byte-identical.
 */
import { describe, test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { plantCanary } from './canary';
import { assertNoEffects, makeRaceEnv, OPERATIONS, race } from './race-env';
import { startSwapper } from './swapper';

const files = Array.from({ length: OPERATIONS }, (_, i) => `v${i}`);

/** The workspace's d (holding `below`/v0…), the outside victim with the same names, d.x → victim. */
function world(durability: 'full' | 'os', below: string) {
  const env = makeRaceEnv({ durability });
  const victim = path.join(env.outside, 'victim');
  plantCanary(path.join(victim, below), files);
  fs.mkdirSync(path.join(env.ws, 'd', below), { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(env.ws, 'd', below, f), 'inside\n');
  fs.symlinkSync(victim, path.join(env.ws, 'd.x'));
  return env;
}

describe('race: short way and in-place writes', () => {
  for (const below of ['', 'sub']) {
    const where = below === '' ? 'its own folder' : 'a folder above its folder';
    test(
      `race fs.read: ${where} swapped with a link to an outside folder holding the same names (2,000 reads) → no outside byte read`,
      { timeout: 300_000 },
      async (t) => {
        const env = world('full', below);
        const report = await race({
          watch: env.outside,
          start: () => startSwapper(path.join(env.ws, 'd'), path.join(env.ws, 'd.x')),
          op: async (i) => {
            const target = path.posix.join('/workspace/d', below, files[i] as string);
            const r = await env.kernel.submit({ action: 'fs.read', target });
            const leaked = typeof r.data === 'string' && r.data.includes('OUTSIDE');
            return { status: r.code ?? r.status, effects: leaked ? [`read ${i} returned outside content`] : [] };
          },
        });
        await env.close();
        assertNoEffects(t, report);
      },
    );

    test(
      `race fs.write durability 'os' over existing files (in place): ${where} swapped with a link to an outside folder holding the same names (2,000 writes) → outside tree byte-identical`,
      { timeout: 300_000 },
      async (t) => {
        const env = world('os', below);
        const report = await race({
          watch: env.outside,
          start: () => startSwapper(path.join(env.ws, 'd'), path.join(env.ws, 'd.x')),
          op: async (i) => {
            const target = path.posix.join('/workspace/d', below, files[i] as string);
            const r = await env.kernel.submit({ action: 'fs.write', target, params: { content: 'AGENT CONTENT\n' } });
            return { status: r.code ?? r.status };
          },
        });
        await env.close();
        assertNoEffects(t, report);
      },
    );
  }
});

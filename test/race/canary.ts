/**
 * The canary of the race tier: a byte-for-byte description of a folder tree outside the
 * workspace (every entry's type, mode, owner, link target and content hash, never
 * following a link), taken before the race and compared after it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Relative path → description of that entry. */
export type Tree = ReadonlyMap<string, string>;

/** Describes every entry below `dir` (and `dir` itself as `.`). */
export function readTree(dir: string): Tree {
  const out = new Map<string, string>();
  const visit = (full: string, rel: string): void => {
    const st = fs.lstatSync(full);
    let what = `${st.mode.toString(8)} ${st.uid}:${st.gid} nlink=${st.nlink}`;
    if (st.isSymbolicLink()) what += ` -> ${fs.readlinkSync(full)}`;
    else if (st.isFile()) what += ` sha256=${createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`;
    out.set(rel, what);
    if (st.isDirectory()) for (const name of fs.readdirSync(full).sort()) visit(path.join(full, name), rel === '.' ? name : `${rel}/${name}`);
  };
  visit(dir, '.');
  return out;
}

/** Every difference between two trees, one line each (`- gone`, `+ new`, `~ changed`). */
export function diffTree(before: Tree, after: Tree): string[] {
  const out: string[] = [];
  for (const [rel, what] of before) {
    const now = after.get(rel);
    if (now === undefined) out.push(`- ${rel}`);
    else if (now !== what) out.push(`~ ${rel}: ${what} → ${now}`);
  }
  for (const rel of after.keys()) if (!before.has(rel)) out.push(`+ ${rel}`);
  return out;
}

/**
 * Fills `dir` with a canary tree: `names` files with recognisable content (each also a
 * name the workspace side uses, so a misdirected delete or write hits it), and a nested
 * folder with more files.
 */
export function plantCanary(dir: string, names: readonly string[]): void {
  fs.mkdirSync(path.join(dir, 'nested', 'deeper'), { recursive: true });
  for (const name of names) fs.writeFileSync(path.join(dir, name), `OUTSIDE ${name}\n`);
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, 'nested', `keep-${i}.txt`), `OUTSIDE nested ${i}\n`);
  fs.writeFileSync(path.join(dir, 'nested', 'deeper', 'keep.txt'), 'OUTSIDE deeper\n');
}

/** Byte- and mode-exact pictures of a folder tree, to prove a rollback restored everything. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every entry under `root`: relative path → type, mode and content (base64 for files). */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const st = fs.lstatSync(full);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[rel] = `dir ${mode}`;
        walk(full);
      } else if (st.isSymbolicLink()) out[rel] = `link -> ${fs.readlinkSync(full)}`;
      else out[rel] = `file ${mode} ${fs.readFileSync(full).toString('base64')}`;
    }
  };
  walk(root);
  return out;
}

export { waitFor } from './poll';

/** A gate a test opens by hand: `await gate.passed` blocks until `gate.open()`. */
export function createGate(): { readonly passed: Promise<void>; open(): void } {
  let open!: () => void;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

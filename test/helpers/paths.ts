/** Paths for tests: compiled tests live in dist/test, sources and fixtures in test/. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (works from both test/ and dist/test/). */
export const repoRoot: string = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();

/** Absolute path of a file under test/fixtures. */
export function fixture(...segments: string[]): string {
  return path.join(repoRoot, 'test', 'fixtures', ...segments);
}

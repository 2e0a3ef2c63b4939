/**
 * Temp folders for tests, removed when the test process exits — also for helpers that hand
 * out a path without a test context (keys files, policy files, a worker's ready file), and
 * for folders a killed child process was still using. Each test file runs in its own
 * process, so a file's folders go when it ends, pass or fail.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const created: string[] = [];
process.on('exit', () => {
  // One folder that cannot go must not keep the others.
  for (const dir of created.splice(0)) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      process.stderr.write(`test temp folder ${dir} not removed: ${(err as Error).message}\n`);
    }
  }
});

/** A fresh folder `<tmpdir>/<prefix>XXXXXX`, removed with everything in it when the test process exits. */
export function tempFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

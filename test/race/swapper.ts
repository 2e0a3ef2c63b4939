/**
 * The racing second process of the race tier: a tiny C program, compiled by the test with
 * `cc` into a temp folder (never committed), that exchanges two names with
 * `renameat2(RENAME_EXCHANGE)` in a tight loop — typically a real folder inside the
 * workspace and a symlink to a canary folder outside it, so at any instant the folder's
 * name is one or the other, atomically — or that plants setuid files in a loop. It prints
 * `go` once it runs and, when stopped with SIGTERM, how many swaps (or plants) succeeded:
 * those that happened during the operations.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SOURCE = `#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
static volatile sig_atomic_t stop = 0;
static void on_term(int s) { (void)s; stop = 1; }
/* exchange A B: swap the names A and B atomically, again and again.
   plant FILE: replace FILE with a fresh file of mode 6755 (setuid + setgid), again and again. */
static int plant(const char *file, const char *tmp) {
  static const char body[] = "#!/bin/sh\\nid\\n";
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
  if (fd < 0) return -1;
  int ok = write(fd, body, sizeof body - 1) == (ssize_t)(sizeof body - 1) && fchmod(fd, 06755) == 0;
  close(fd);
  return ok ? rename(tmp, file) : -1;
}
int main(int argc, char **argv) {
  int exchange = argc == 4 && strcmp(argv[1], "exchange") == 0;
  if (!exchange && !(argc == 3 && strcmp(argv[1], "plant") == 0)) { fprintf(stderr, "usage: swapper exchange A B | swapper plant FILE\\n"); return 2; }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.plant", argv[2]);
  struct sigaction sa = {0};
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, 0);
  unsigned long long done = 0, tries = 0;
  printf("go\\n");
  fflush(stdout);
  while (!stop) {
    tries++;
    int r = exchange ? syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE) : plant(argv[2], tmp);
    if (r == 0) done++;
  }
  printf("%llu %llu\\n", done, tries);
  return 0;
}
`;

let compiled: string | undefined;

/** Compiles the swapper once per process (into a temp folder removed at exit); returns the binary. */
export function swapperBinary(): string {
  if (compiled !== undefined) return compiled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aok-swapper-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'swapper.c'), SOURCE);
  const out = path.join(dir, 'swapper');
  const r = spawnSync('cc', ['-O2', '-o', out, path.join(dir, 'swapper.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`race harness: cc could not build the swapper (install a C compiler): ${r.stderr || r.error?.message || ''}`);
  fs.chmodSync(dir, 0o755); // a swapper started as another user must be able to run it
  compiled = out;
  return out;
}

/** A running swapper. */
export interface Swapper {
  /** Stops it and returns how many exchanges succeeded while it ran. */
  stop(): Promise<number>;
}

/**
 * Starts exchanging `a` and `b` (absolute paths) until stopped; resolves once the loop runs.
 * @param options e.g. `{ uid, gid }` to run it as another user.
 */
export function startSwapper(a: string, b: string, options: Pick<SpawnOptions, 'uid' | 'gid'> = {}): Promise<Swapper> {
  return startLoop(['exchange', a, b], options);
}

/**
 * Starts replacing `file` with a fresh mode-6755 file (setuid + setgid) until stopped —
 * run it as an unprivileged user to play the process that plants a setuid file for a
 * privileged worker to write into. `stop` returns how many files it planted.
 */
export function startPlanter(file: string, options: Pick<SpawnOptions, 'uid' | 'gid'> = {}): Promise<Swapper> {
  return startLoop(['plant', file], options);
}

async function startLoop(args: readonly string[], options: Pick<SpawnOptions, 'uid' | 'gid'>): Promise<Swapper> {
  const program = swapperBinary();
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  let out = '';
  child.stdout.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: string): void => {
      out += chunk;
      if (out.includes('go\n')) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`race harness: swapper ${args[0] ?? ''} exited with ${code} before it started`)));
  });
  let rest = '';
  child.stdout.on('data', (chunk: string) => {
    rest += chunk;
  });
  return {
    async stop(): Promise<number> {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`race harness: swapper ${args[0] ?? ''} ended with ${code}`);
      return Number(rest.trim().split(/\s+/)[0]);
    },
  };
}

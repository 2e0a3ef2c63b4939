/**
 * Watchdog process for servers the project starts (`node watchdog.js <pgid>`).
 *
 * The parent keeps a pipe to our stdin open for as long as it lives. When the pipe
 * closes — the parent exited, crashed or was killed with SIGKILL — we end the server's
 * process group (SIGTERM, then SIGKILL after a grace period) and exit. This is what keeps
 * a crashed test run from leaving an orphaned Temporal dev server behind.
 */
const GRACE_MS = 5_000;

function alive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

function main(): void {
  const pgid = Number(process.argv[2]);
  if (!Number.isInteger(pgid) || pgid <= 1) {
    process.stderr.write(`watchdog: expected a process group id, got ${process.argv[2] ?? '(none)'}\n`);
    process.exitCode = 2;
    return;
  }
  let fired = false;
  const fire = (): void => {
    if (fired) return;
    fired = true;
    if (!alive(pgid)) process.exit(0);
    killGroup(pgid, 'SIGTERM');
    const check = setInterval(() => {
      if (!alive(pgid)) process.exit(0);
    }, 100);
    setTimeout(() => {
      clearInterval(check);
      killGroup(pgid, 'SIGKILL');
      process.exit(0);
    }, GRACE_MS);
  };
  process.stdin.on('data', () => undefined);
  process.stdin.on('end', fire);
  process.stdin.on('close', fire);
  process.stdin.on('error', fire);
  process.on('SIGTERM', fire);
  process.on('SIGHUP', fire);
}

main();

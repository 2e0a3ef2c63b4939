/**
 * A live `agent-os` process for tests that talk to it while it runs: wait for a line it
 * prints, write to its standard input, send it a signal. `tty: true` runs it under
 * `script(1)`, so it sees a terminal (prompts, Ctrl-C as the terminal sends it). Not a test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './worker-harness';

/** A running command. */
export interface LiveCli {
  readonly child: ChildProcess;
  /** Everything printed so far (stdout and stderr interleaved; a TTY has only one stream). */
  output(): string;
  /** Resolves once the output contains `text` (rejects with the output if the process exits first). */
  waitFor(text: string | RegExp): Promise<void>;
  write(text: string): void;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Starts `agent-os ...args`; with `tty`, inside a pseudo-terminal (script -qfec). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv, options: { tty?: boolean } = {}): LiveCli {
  const child = options.tty
    ? // `exec`: script(1) runs the command through $SHELL (or /bin/sh); dash as /bin/sh catches a
      // terminal's SIGINT while it waits and re-raises it on itself once the CLI has exited, which
      // would turn the CLI's own exit code into 130. With exec no shell is left to do that.
      spawn('script', ['-qfec', `exec ${[process.execPath, CLI, ...args].map(quote).join(' ')}`, '/dev/null'], {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters: Array<{ test: string | RegExp; resolve: () => void; reject: (e: Error) => void }> = [];
  const matches = (test: string | RegExp): boolean => (typeof test === 'string' ? out.includes(test) : test.test(out));
  const check = (): void => {
    for (const w of [...waiters]) {
      if (matches(w.test)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`agent-os ${args.join(' ')} exited (${code}) before printing ${String(w.test)}:\n${out}`));
      resolve(code);
    }),
  );
  return {
    child,
    output: () => out,
    waitFor: (test) =>
      new Promise<void>((resolve, reject) => {
        if (matches(test)) return resolve();
        waiters.push({ test, resolve, reject });
      }),
    write: (text) => void child.stdin?.write(text),
    exited,
  };
}

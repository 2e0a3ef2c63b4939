/**
 * One question on the terminal, one line of answer. Used only when both standard input
 * and output are terminals (and `--no-input` is not given), so scripts never block on it.
 * The terminal stays in line mode, so Ctrl-C still raises SIGINT while a question waits.
 */
import readline from 'node:readline';

/** True when the CLI may ask: stdin and stdout are terminals. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/** Asks `question` and resolves with the trimmed, lower-cased answer ('' on end of input). */
export function prompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: false });
    let answered = false;
    process.stdout.write(question);
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim().toLowerCase());
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

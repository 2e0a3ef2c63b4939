/**
 * The argv guard for `git`. Git can be talked into running other programs (`-c
 * core.pager=…`, `--upload-pack=…`, `--ext-diff`, `grep -O…`, aliases) or into reading
 * outside the workspace (`-C`, `--git-dir`, `--work-tree`, `--config-env`). The guard:
 *
 * - accepts only a short allow-list of options before the subcommand (everything else,
 *   including `-c`, `-C`, `-p`/`--paginate`, `--exec-path`, `--git-dir`, is refused);
 * - accepts only built-in subcommands from {@link GIT_SUBCOMMANDS} (aliases and external
 *   `git-*` programs run code from config or PATH; `config`, `help`, `difftool`,
 *   `submodule`, `bisect`, `daemon` … are not on the list);
 * - refuses, after the subcommand and up to `--`, the long options in
 *   {@link REFUSED_LONG_OPTIONS} in every spelling parse-options accepts (`--opt`,
 *   `--opt=value`, unique abbreviations such as `--upload`) and per-subcommand short flags,
 *   also inside clusters (`-iO`, `-uc`);
 * - prepends `-c` overrides that switch off hooks, fsmonitor, pagers, credential helpers,
 *   askpass, ext:: transports and custom signing programs, and appends
 *   `--no-ext-diff --no-textconv` to the diff family.
 *
 * Not covered (keep `**\/.git/**` and `**\/.gitattributes` out of fs.write): drivers named in a
 * repository's own `.git/config` together with `.gitattributes` (`filter.<x>.clean`,
 * `merge.<x>.driver`) still run on add/checkout/merge.
 */
import { GitArgumentRefusedError } from './errors';

/** Built-in subcommands the guard lets through. */
export const GIT_SUBCOMMANDS: readonly string[] = [
  'add',
  'am',
  'annotate',
  'apply',
  'archive',
  'blame',
  'branch',
  'cat-file',
  'check-attr',
  'check-ignore',
  'check-ref-format',
  'checkout',
  'cherry',
  'cherry-pick',
  'clean',
  'clone',
  'commit',
  'commit-tree',
  'count-objects',
  'describe',
  'diff',
  'diff-files',
  'diff-index',
  'diff-tree',
  'fetch',
  'for-each-ref',
  'format-patch',
  'fsck',
  'gc',
  'grep',
  'hash-object',
  'init',
  'log',
  'ls-files',
  'ls-remote',
  'ls-tree',
  'merge',
  'merge-base',
  'mv',
  'name-rev',
  'notes',
  'pull',
  'push',
  'range-diff',
  'rebase',
  'reflog',
  'remote',
  'reset',
  'restore',
  'rev-list',
  'rev-parse',
  'revert',
  'rm',
  'shortlog',
  'show',
  'show-branch',
  'show-ref',
  'stash',
  'status',
  'switch',
  'symbolic-ref',
  'tag',
  'update-index',
  'update-ref',
  'version',
  'whatchanged',
  'worktree',
  'write-tree',
];

/** Options allowed before the subcommand (exact spelling only). */
const GLOBAL_ALLOWED = new Set([
  '--no-pager',
  '-P',
  '--literal-pathspecs',
  '--glob-pathspecs',
  '--noglob-pathspecs',
  '--icase-pathspecs',
  '--no-optional-locks',
  '--no-replace-objects',
  '--version',
]);

/** Long options refused after any subcommand, with the reason. Abbreviations are refused too. */
export const REFUSED_LONG_OPTIONS: Readonly<Record<string, string>> = {
  '--upload-pack': 'runs a program named by the agent',
  '--receive-pack': 'runs a program named by the agent',
  '--exec': 'runs a program named by the agent',
  '--ext-diff': 'runs an external diff program',
  '--textconv': 'runs textconv programs from config',
  '--open-files-in-pager': 'runs a pager named by the agent',
  '--output': 'writes to a file outside the result',
  '--output-directory': 'writes to a directory named by the agent',
  '--config': 'sets config that can name programs',
  '--config-env': 'sets config from the environment',
  '--exec-path': 'changes where git finds its programs',
  '--git-dir': 'points git at a repository outside the workspace',
  '--work-tree': 'points git at a work tree outside the workspace',
  '--separate-git-dir': 'puts the repository outside the workspace',
  '--template': 'copies hooks and config from a directory named by the agent',
  '--no-index': 'reads arbitrary files outside the repository',
  '--paginate': 'runs a pager',
};

/** Short flags refused after a given subcommand (also inside clusters like `-iO`). */
const REFUSED_SHORT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  clone: { u: 'is --upload-pack', c: 'is --config' },
  grep: { O: 'is --open-files-in-pager' },
  'format-patch': { o: 'is --output-directory' },
  archive: { o: 'is --output' },
  rebase: { x: 'is --exec' },
};

/** `-c` overrides git gets from us, never from the agent; command-line config wins over repository config. */
export const GIT_HARDENING_CONFIG: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.pager=cat',
  'credential.helper=',
  'core.askPass=',
  'core.sshCommand=ssh',
  'protocol.ext.allow=never',
  'gpg.program=gpg',
  'gpg.ssh.program=ssh-keygen',
  'gpg.x509.program=gpgsm',
  'core.editor=true',
  'sequence.editor=true',
];

/** Environment git always runs with (set last, so it overrides anything requested). */
export const GIT_HARDENING_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_ATTR_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  PAGER: 'cat',
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
};

const DIFF_FAMILY = new Set(['diff', 'log', 'show', 'whatchanged', 'format-patch', 'diff-tree', 'diff-index', 'diff-files']);
/** The only GIT_* variables the agent may set for git (identity and dates). */
const GIT_ENV_ALLOWED = /^GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)$/;

function refuseLong(arg: string, table: Readonly<Record<string, string>>): void {
  const name = arg.split('=', 1)[0] ?? arg;
  if (name.length < 3) return;
  for (const [option, why] of Object.entries(table)) {
    if (option === name || option.startsWith(name)) throw new GitArgumentRefusedError(arg, `${option} ${why}`);
  }
}

/**
 * Checks the agent's git argv and returns the argv to run (hardening `-c` pairs first).
 * @throws GitArgumentRefusedError naming the first refused argument.
 * @example
 * guardGitArgs(['log', '--oneline']);
 * // → ['-c', 'core.hooksPath=/dev/null', …, 'log', '--no-ext-diff', '--no-textconv', '--oneline']
 * guardGitArgs(['-c', 'core.pager=sh']); // throws Provider.GitArgumentRefused
 */
export function guardGitArgs(args: readonly string[]): string[] {
  let i = 0;
  for (; i < args.length && (args[i] ?? '').startsWith('-'); i++) {
    const arg = args[i] ?? '';
    if (!GLOBAL_ALLOWED.has(arg)) {
      throw new GitArgumentRefusedError(
        arg,
        'only --no-pager, --version and the *-pathspecs / --no-optional-locks / --no-replace-objects options may precede the subcommand',
      );
    }
  }
  const hardening = GIT_HARDENING_CONFIG.flatMap((pair) => ['-c', pair]);
  const sub = args[i];
  if (sub === undefined) return [...hardening, ...args];
  if (!GIT_SUBCOMMANDS.includes(sub)) {
    throw new GitArgumentRefusedError(sub, 'not an allowed built-in subcommand (aliases and external git-* programs are refused)');
  }
  const rest = args.slice(i + 1);
  const short = REFUSED_SHORT[sub] ?? {};
  for (const arg of rest) {
    if (arg === '--' || arg === '--end-of-options') break;
    if (arg.startsWith('--')) refuseLong(arg, REFUSED_LONG_OPTIONS);
    else if (arg.startsWith('-') && arg.length > 1) {
      for (const letter of arg.slice(1)) {
        const why = short[letter];
        if (why !== undefined) throw new GitArgumentRefusedError(arg, `-${letter} ${why} for git ${sub}`);
      }
    }
  }
  const injected = DIFF_FAMILY.has(sub) ? ['--no-ext-diff', '--no-textconv'] : [];
  return [...hardening, ...args.slice(0, i), sub, ...injected, ...rest];
}

/**
 * Checks the names of variables requested for git: only author/committer identity may be set.
 * @throws GitArgumentRefusedError for any other `GIT_*` name.
 */
export function guardGitEnv(names: readonly string[]): void {
  for (const name of names) {
    if (name.startsWith('GIT_') && !GIT_ENV_ALLOWED.test(name)) {
      throw new GitArgumentRefusedError(`env ${name}`, 'git runs with its own GIT_* settings; only GIT_AUTHOR_* / GIT_COMMITTER_* may be set');
    }
  }
}

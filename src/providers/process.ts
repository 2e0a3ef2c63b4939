/**
 * `ProcessProvider` executes `proc.exec`: one program, argv only (never a shell), found on a
 * fixed PATH (never in a workspace), in a working directory inside a mount, with an
 * environment built only from the rule's `env` allow-list, a timeout that ends the whole
 * process group, and capped output. `git` additionally passes the {@link guardGitArgs} guard.
 *
 * Limits of the process-group kill and how {@link ProcessHardening} mitigates them are
 * described in process-tree.ts: a descendant that calls `setsid` escapes the group kill.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import micromatch from 'micromatch';
import { canonicalizeRequest } from '../policy/canonical';
import { assertKernelGrant } from '../kernel/grant';
import type { ActionRequest, ExecutionContext, Provider, ResolvedRequest } from '../kernel/types';
import { CwdOutsideMountError, HardeningUnavailableError, InvalidParamsError } from './errors';
import { guardGitArgs, guardGitEnv, GIT_HARDENING_ENV } from './git-guard';
import { buildProcessEnv } from './process-env';
import { locateCwd, locateProgram } from './process-locate';
import { runProcessTree, type ProcessOutcome } from './process-tree';
import { parseProcessParams } from './process-params';

/** Optional OS-level limits on every process this provider starts. */
export interface ProcessHardening {
  /** Run as this uid / gid (the worker must be root to switch). Needed for `nproc` to bite. */
  readonly uid?: number;
  readonly gid?: number;
  /** Wrap the program in `prlimit` (util-linux): max processes of the uid, max address space. */
  readonly prlimit?: { readonly nproc?: number; readonly asBytes?: number };
}

/** Construction options of {@link ProcessProvider}. */
export interface ProcessProviderOptions {
  /** The fixed PATH; programs are looked up only here. Default `['/usr/local/bin', '/usr/bin', '/bin']`. */
  readonly path?: readonly string[];
  /** Agent path → host path (same meaning as the filesystem provider's mounts); `cwd` is an agent path in one. */
  readonly mounts?: Readonly<Record<string, string>>;
  /** Timeout when the request gives none (default 30 000 ms); the rule's `timeout_ms` caps it. */
  readonly defaultTimeoutMs?: number;
  /** Cap for each of stdout and stderr (default 1 MiB). */
  readonly maxOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL of the process group (default 500 ms). */
  readonly killGraceMs?: number;
  /** Worker-side constants every child gets (e.g. `{ LANG: 'C.UTF-8', HOME: '/nonexistent' }`). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  readonly hardening?: ProcessHardening;
}

/** What `execute` returns (the action's `data`). */
export interface ProcessResult extends Omit<ProcessOutcome, 'pid'> {
  /** The effective timeout: min(requested or default, rule's `timeout_ms`). */
  readonly timeoutMs: number;
  /** Process (and group) id of the program; gone by the time the result arrives. */
  readonly pid: number;
}

/**
 * The process provider.
 * @example
 * const proc = new ProcessProvider({ mounts: { '/workspace': '/srv/agent/ws' } });
 * // policy: { action: proc.exec, resource: git, constraint: { cwd: '/workspace/**', timeout_ms: 10000 } }
 * await kernel.submit({ action: 'proc.exec', target: 'git', params: { args: ['status'], cwd: '/workspace/repo' } });
 */
export class ProcessProvider implements Provider {
  readonly name = 'process';
  readonly actions = ['proc.exec'] as const;
  private readonly fixedPath: readonly string[];
  private readonly mounts: Readonly<Record<string, string>>;
  private readonly prlimitPath: string | undefined;

  /** @throws HardeningUnavailableError when `prlimit` is requested but missing, or a uid switch is impossible. */
  constructor(private readonly options: ProcessProviderOptions = {}) {
    this.fixedPath = (options.path ?? ['/usr/local/bin', '/usr/bin', '/bin']).map((dir) => {
      if (!path.isAbsolute(dir)) throw new InvalidParamsError('path', `PATH entries must be absolute, got ${JSON.stringify(dir)}`);
      return path.normalize(dir);
    });
    this.mounts = { ...options.mounts };
    const hardening = options.hardening;
    const me = process.getuid?.();
    if ((hardening?.uid !== undefined || hardening?.gid !== undefined) && me !== 0 && hardening?.uid !== me) {
      throw new HardeningUnavailableError('switching uid/gid needs a worker running as root');
    }
    if (hardening?.prlimit !== undefined) {
      this.prlimitPath = this.fixedPath.map((dir) => path.join(dir, 'prlimit')).find((f) => isExecutableSync(f));
      if (this.prlimitPath === undefined) throw new HardeningUnavailableError('prlimit (util-linux) is not on the fixed PATH');
    }
  }

  /** Canonical program name; params checked (unknown keys refused) and `cwd` normalised. */
  resolve(request: ActionRequest): Promise<ResolvedRequest> {
    return Promise.resolve().then(() => {
      parseProcessParams(request.params ?? {});
      const canonical = canonicalizeRequest(request);
      return { action: request.action, target: request.target, canonicalTarget: canonical.target, params: canonical.params };
    });
  }

  /** Runs the program. Timeouts are not errors: see `timedOut` in the result. */
  async execute(request: ResolvedRequest, context: ExecutionContext): Promise<ProcessResult> {
    assertKernelGrant(context, this.name);
    const params = parseProcessParams(request.params);
    const constraint = context.constraint;
    const mountRoots = Object.values(this.mounts);
    const program = await locateProgram(request.canonicalTarget, this.fixedPath, mountRoots);
    const isGit = path.basename(program) === 'git';

    let cwd = '/';
    const agentCwd = params.cwd ?? Object.keys(this.mounts)[0];
    if (agentCwd !== undefined) {
      const cwdRule = constraint['cwd'];
      if (typeof cwdRule === 'string' && !micromatch.isMatch(path.posix.normalize(agentCwd), cwdRule, { dot: true })) {
        throw new CwdOutsideMountError(agentCwd, `the rule allows only ${cwdRule}`);
      }
      cwd = await locateCwd(agentCwd, this.mounts);
    }

    if (isGit) guardGitEnv(Object.keys(params.env ?? {}));
    const env = buildProcessEnv({
      allowList: stringList(constraint['env']),
      requested: params.env,
      path: this.fixedPath,
      ...(this.options.baseEnv !== undefined ? { baseEnv: this.options.baseEnv } : {}),
      ...(isGit ? { forced: GIT_HARDENING_ENV } : {}),
    });
    const args = isGit ? guardGitArgs(params.args ?? []) : [...(params.args ?? [])];

    const cap = typeof constraint['timeout_ms'] === 'number' ? constraint['timeout_ms'] : Infinity;
    const timeoutMs = Math.min(params.timeout_ms ?? this.options.defaultTimeoutMs ?? 30_000, cap);
    const hardening = this.options.hardening;
    const limits = hardening?.prlimit;
    const [file, argv] = this.prlimitPath !== undefined && limits !== undefined
      ? [this.prlimitPath, [...prlimitFlags(limits), '--', program, ...args]]
      : [program, args];

    const outcome = await runProcessTree({
      file, args: argv, cwd, env, timeoutMs,
      maxOutputBytes: this.options.maxOutputBytes ?? 1024 * 1024,
      graceMs: this.options.killGraceMs ?? 500,
      ...(params.stdin !== undefined ? { stdin: params.stdin } : {}),
      ...(hardening?.uid !== undefined ? { uid: hardening.uid } : {}),
      ...(hardening?.gid !== undefined ? { gid: hardening.gid } : {}),
      ...(context.signal !== undefined ? { signal: context.signal } : {}),
    });
    return { ...outcome, timeoutMs };
  }
}

function prlimitFlags(limits: NonNullable<ProcessHardening['prlimit']>): string[] {
  const flags: string[] = [];
  if (limits.nproc !== undefined) flags.push(`--nproc=${limits.nproc}`);
  if (limits.asBytes !== undefined) flags.push(`--as=${limits.asBytes}`);
  return flags;
}

function stringList(value: unknown): readonly string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function isExecutableSync(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

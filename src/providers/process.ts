/**
 * `ProcessProvider` executes `proc.exec`: one program, argv only (never a shell), found on a
 * fixed PATH (never in a workspace), in a working directory inside a mount (judged at its
 * real path), with an environment built only from the rule's `env` allow-list, a timeout,
 * and capped output. `git` additionally passes the {@link guardGitArgs} guard.
 *
 * Every program runs in the OS sandbox (bubblewrap, see ./sandbox): it sees its mounts at
 * their agent paths, the system folders read-only and a curated /etc, nothing else of the
 * host, no network, no capabilities, its own PID namespace (nothing it starts outlives it)
 * and memory/process/file-size limits. Without a working bubblewrap `proc.exec` refuses,
 * unless the operator sets `sandbox: 'off'` (a loud warning at start; each result then says
 * `sandbox: 'off'`).
 *
 * Programs are started by the worker's spawner, a small helper process (./spawner), so the
 * large worker is not forked for each of them.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import micromatch from 'micromatch';
import { canonicalizeRequest } from '../policy/canonical';
import { assertKernelGrant } from '../kernel/grant';
import type { ActionRequest, ExecutionContext, Provider, ResolvedRequest } from '../kernel/types';
import {
  CwdOutsideMountError,
  EgressUnavailableError,
  HardeningUnavailableError,
  InvalidParamsError,
  ProgramOutsidePathError,
  SandboxConfigError,
  SandboxUnavailableError,
} from './errors';
import { countOption } from './count-option';
import { unknownOptionKey, unknownOptionProblem } from './option-keys';
import { guardGitArgs, guardGitEnv, GIT_HARDENING_ENV } from './git-guard';
import { buildProcessEnv } from './process-env';
import { locateCwd, locateProgram } from './process-locate';
import { DEFAULT_PROGRAM_PATH, isExecutableFileSync, programAliases } from './program-names';
import type { ProcessOutcome, ProcessSpec } from './process-tree';
import { MAX_TIMEOUT_MS, parseProcessParams } from './process-params';
import { MountTable } from './mounts';
import { cwdIdentity, readOnlyPathDirs, realProgram, SandboxMode, setUpSandbox, warnOnce } from './process-sandbox';
import { buildSandboxCommand } from './sandbox/bwrap-args';
import type { SandboxProbe } from './sandbox/probe';
import { isCwdMoved } from './sandbox/cwd-folder';
import { SandboxNetwork, type SandboxLimits } from './sandbox/types';
import { FORWARDER_FAILED_EXIT, FORWARDER_FAILED_MESSAGE, proxyEnv } from './sandbox/forwarder';
import type { EgressProxy } from './egress-proxy';
import { egressProxy, spawnerClient } from './process-lazy';
import { systemResolver, type Resolver } from './http-connect';
import { NetworkGrant } from '../policy/types';

export { SandboxMode } from './process-sandbox';

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
  /**
   * With the sandbox: `uid`/`gid` run bubblewrap (and the program) as that host uid, which
   * needs user namespaces; `prlimit` values override `limits`. Without it: as documented.
   */
  readonly hardening?: ProcessHardening;
  /** `bwrap` (default) or `off`, which must be chosen explicitly and is warned about at start. */
  readonly sandbox?: SandboxMode;
  /** bubblewrap's path (default: looked up in /usr/bin, /bin, /usr/local/bin, /usr/sbin, /sbin). */
  readonly bwrapPath?: string;
  /** Limits inside the sandbox (defaults: 4 GiB address space, 512 processes, 1 GiB files). */
  readonly limits?: SandboxLimits;
  /**
   * The egress proxy of programs whose rule grants `network: proxy` (each connection is
   * decided by the kernel with the net.http rules and audited). `allowAddresses`: non-public
   * addresses that may be reached anyway (as net.http's); `resolver`: host → addresses
   * (default the system resolver); `connectTimeoutMs`: default 10 000.
   */
  readonly egress?: { readonly allowAddresses?: readonly string[]; readonly resolver?: Resolver; readonly connectTimeoutMs?: number };
}

const PROCESS_OPTIONS: readonly string[] = [
  'path',
  'mounts',
  'defaultTimeoutMs',
  'maxOutputBytes',
  'killGraceMs',
  'baseEnv',
  'hardening',
  'sandbox',
  'bwrapPath',
  'limits',
  'egress',
];

/** What `execute` returns (the action's `data`). */
export interface ProcessResult extends Omit<ProcessOutcome, 'pid' | 'programStarted'> {
  /** The effective timeout: min(requested or default, rule's `timeout_ms`). */
  readonly timeoutMs: number;
  /**
   * Sandboxed: host pid of the sandbox's init, whose process group holds the program.
   * Unsandboxed: process (and group) id of the program. Gone by the time the result arrives.
   */
  readonly pid: number;
  /** `bwrap` when the program ran in the sandbox, `off` when the operator turned it off. */
  readonly sandbox: SandboxMode;
  /** Present when the rule granted `network: proxy`: the connections its proxy decided (each has its audit record). */
  readonly network?: { readonly mode: 'proxy'; readonly allowed: number; readonly refused: number };
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
  private readonly table: MountTable;
  private readonly prlimitPath: string | undefined;
  private readonly mode: SandboxMode;
  private readonly probe: SandboxProbe | undefined;

  /**
   * @throws SandboxConfigError without mounts (a program would see the host), or with a mount over a system folder.
   * @throws FsInvalidMountError for a mount whose host folder is missing or not a directory.
   * @throws HardeningUnavailableError when `prlimit` is requested but missing, or a uid switch is impossible.
   * @throws InvalidParamsError for a `defaultTimeoutMs`, `maxOutputBytes` or `killGraceMs` that is not a whole number in range.
   */
  constructor(private readonly options: ProcessProviderOptions = {}) {
    const unknown = unknownOptionKey(options, PROCESS_OPTIONS);
    if (unknown !== undefined) throw new InvalidParamsError(unknown.slice(0, 64), unknownOptionProblem('ProcessProvider', PROCESS_OPTIONS));
    this.fixedPath = (options.path ?? DEFAULT_PROGRAM_PATH).map((dir) => {
      if (!path.isAbsolute(dir)) throw new InvalidParamsError('path', `PATH entries must be absolute, got ${JSON.stringify(dir)}`);
      return path.normalize(dir);
    });
    this.mounts = { ...options.mounts };
    if (Object.keys(this.mounts).length === 0) {
      throw new SandboxConfigError(
        'a ProcessProvider needs mounts (e.g. { mounts: { "/workspace": "/srv/agent-ws" } }); without them programs would run against the host',
      );
    }
    this.table = new MountTable(this.mounts);
    const fallback = options.defaultTimeoutMs;
    if (fallback !== undefined && (!Number.isInteger(fallback) || fallback <= 0 || fallback > MAX_TIMEOUT_MS)) {
      throw new InvalidParamsError('defaultTimeoutMs', `must be a positive integer of at most ${MAX_TIMEOUT_MS} ms, got ${String(fallback)}`);
    }
    // NaN would be no cap: every `chunk.length > room` is false, and a program's output is kept whole (red team 15).
    for (const name of ['maxOutputBytes', 'killGraceMs'] as const) {
      if (countOption(options[name], 0) === undefined) throw new InvalidParamsError(name, `must be a whole number ≥ 0, got ${String(options[name])}`);
    }
    this.mode = options.sandbox ?? SandboxMode.Bwrap;
    if (this.mode !== SandboxMode.Bwrap && this.mode !== SandboxMode.Off) {
      throw new SandboxConfigError(`sandbox must be 'bwrap' or 'off', got ${JSON.stringify(this.mode)}`);
    }
    const hardening = options.hardening;
    const me = process.getuid?.();
    if ((hardening?.uid !== undefined || hardening?.gid !== undefined) && me !== 0 && hardening?.uid !== me) {
      throw new HardeningUnavailableError('switching uid/gid needs a worker running as root');
    }
    if (this.mode === SandboxMode.Bwrap) {
      this.probe = setUpSandbox(this.table, options.bwrapPath, hardening);
      this.prlimitPath = undefined;
      return;
    }
    this.probe = undefined;
    warnOnce(
      'agent-os-kernel: WARNING: the OS sandbox is OFF (sandbox: \'off\'): allowed programs run on the host and can reach everything the worker can. Every proc.exec result says sandbox: "off".',
    );
    if (hardening?.prlimit !== undefined) {
      this.prlimitPath = this.fixedPath.map((dir) => path.join(dir, 'prlimit')).find(isExecutableFileSync);
      if (this.prlimitPath === undefined) throw new HardeningUnavailableError('prlimit (util-linux) is not on the fixed PATH');
    }
  }

  /**
   * Canonical program name (an absolute program at its real path, links followed); params
   * checked (unknown keys refused); `cwd` normalised and resolved to its real agent path,
   * so the policy judges the binary and the folder that will really be used.
   * @throws CwdOutsideMountError when the cwd lies under no mount, does not exist or its real path leaves the mounts.
   */
  resolve(request: ActionRequest): Promise<ResolvedRequest> {
    return Promise.resolve().then(() => {
      parseProcessParams(request.params ?? {});
      const canonical = canonicalizeRequest(request);
      const params = { ...canonical.params };
      if (typeof params['cwd'] === 'string') params['cwd'] = this.realAgentCwd(params['cwd']);
      const judged = realProgram(canonical.target);
      const aliases = programAliases(canonical.target, judged, this.fixedPath);
      return { action: request.action, target: request.target, canonicalTarget: judged, params, ...(aliases.length > 0 ? { aliases } : {}) };
    });
  }

  /** The agent path a (normalised) agent cwd really is, after following links on the host. */
  private realAgentCwd(agentCwd: string): string {
    const host = this.table.toHost(agentCwd);
    if (host === undefined) throw new CwdOutsideMountError(agentCwd, 'not inside a mounted directory');
    let real: string;
    try {
      real = realpathSync.native(host);
    } catch {
      throw new CwdOutsideMountError(agentCwd, 'does not exist');
    }
    const back = this.table.toAgent(real, agentCwd);
    if (back === undefined) throw new CwdOutsideMountError(agentCwd, 'its real path leaves the mount (symlink)');
    return back;
  }

  /** Runs the program. Timeouts are not errors: see `timedOut` in the result. */
  async execute(request: ResolvedRequest, context: ExecutionContext): Promise<ProcessResult> {
    assertKernelGrant(context, this.name);
    const params = parseProcessParams(request.params);
    const constraint = context.constraint;
    const mountRoots = Object.values(this.mounts);
    // An absolute program was judged at its real path; it runs by the path written (multi-call
    // binaries keep their name) only while that still leads to the judged file.
    const written = request.target.startsWith('/') ? path.posix.normalize(request.target) : request.canonicalTarget;
    if (realProgram(written) !== request.canonicalTarget) {
      throw new ProgramOutsidePathError(request.target, 'it no longer resolves to the program the policy judged');
    }
    const program = await locateProgram(written, this.fixedPath, mountRoots);
    const isGit = path.basename(program) === 'git';

    let cwd = '/';
    const agentCwd = params.cwd ?? Object.keys(this.mounts)[0];
    if (agentCwd !== undefined) {
      const cwdRule = constraint['cwd'];
      if (typeof cwdRule === 'string' && !micromatch.isMatch(path.posix.normalize(agentCwd), cwdRule, { dot: true })) {
        throw new CwdOutsideMountError(agentCwd, `the rule allows only ${cwdRule}`);
      }
      cwd = await locateCwd(agentCwd, this.mounts);
      // The policy judged agentCwd at its real path: it must still be that folder, not a link now.
      if (this.table.toAgent(cwd, agentCwd) !== path.posix.normalize(agentCwd)) {
        throw new CwdOutsideMountError(agentCwd, 'it changed after the decision (a link was swapped); nothing ran');
      }
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
    const common = {
      timeoutMs,
      maxOutputBytes: this.options.maxOutputBytes ?? 1024 * 1024,
      graceMs: this.options.killGraceMs ?? 500,
      ...(params.stdin !== undefined ? { stdin: params.stdin } : {}),
      ...(context.signal !== undefined ? { signal: context.signal } : {}),
    };

    if (this.mode === SandboxMode.Bwrap) {
      const probe = this.probe as SandboxProbe;
      if (probe.problem !== undefined) throw new SandboxUnavailableError(probe.problem);
      const hostIds = {
        ...(hardening?.uid !== undefined ? { uid: hardening.uid } : {}),
        ...(hardening?.gid !== undefined ? { gid: hardening.gid } : {}),
      };
      const proxy = constraint['network'] === NetworkGrant.Proxy ? await this.startProxy(context, hostIds) : undefined;
      let outcome: ProcessOutcome;
      try {
        outcome = await this.runSandboxed(probe, hostIds, proxy, { program, args, agentCwd, cwd, env, common });
      } finally {
        await proxy?.close();
      }
      // The refusals before the program are recognised only in a run whose program did not start:
      // a program can print the same lines and exit so (red team 15b).
      const { programStarted, ...ran } = outcome;
      if (programStarted === false) {
        if (outcome.exitCode === FORWARDER_FAILED_EXIT && outcome.stdout === '' && outcome.stderr === `${FORWARDER_FAILED_MESSAGE}\n`) {
          throw new EgressUnavailableError('the network forwarder inside the sandbox did not start');
        }
        if (isCwdMoved(outcome)) {
          throw new CwdOutsideMountError(agentCwd ?? '/', 'it changed between the check and the start of the program (a link was swapped); nothing ran');
        }
      }
      return {
        ...ran,
        timeoutMs,
        sandbox: SandboxMode.Bwrap,
        ...(proxy === undefined ? {} : { network: { mode: 'proxy' as const, allowed: proxy.stats.allowed, refused: proxy.stats.refused } }),
      };
    }
    return this.runUnsandboxed(program, args, cwd, env, common, timeoutMs);
  }

  /** The egress proxy of a run whose rule grants `network: proxy`; refuses (nothing runs) when it cannot be had. */
  private async startProxy(context: ExecutionContext, hostIds: { uid?: number; gid?: number }): Promise<EgressProxy> {
    if (context.egress === undefined) throw new EgressUnavailableError('the kernel supplied no egress hook to decide its connections');
    const o = this.options.egress;
    try {
      return await egressProxy().startEgressProxy(
        context.egress,
        { resolver: o?.resolver ?? systemResolver, allowAddresses: o?.allowAddresses ?? [], connectTimeoutMs: o?.connectTimeoutMs ?? 10_000 },
        hostIds,
      );
    } catch (err) {
      throw new EgressUnavailableError(`the proxy could not start (${err instanceof Error ? err.name : typeof err})`);
    }
  }

  private async runSandboxed(
    probe: SandboxProbe,
    hostIds: { uid?: number; gid?: number },
    proxy: EgressProxy | undefined,
    run: { program: string; args: string[]; agentCwd: string | undefined; cwd: string; env: Record<string, string>; common: TreeCommon },
  ): Promise<ProcessOutcome> {
    const { program, args, agentCwd, cwd, env, common } = run;
    const hardening = this.options.hardening;
    const command = buildSandboxCommand(
      {
        command: program,
        args,
        cwd: agentCwd ?? '/',
        env: proxy === undefined ? env : { ...env, ...proxyEnv() },
        ...(proxy === undefined ? {} : { network: SandboxNetwork.Proxy, proxyDir: proxy.dir }),
        cwdIdentity: cwdIdentity(cwd, agentCwd ?? '/'),
        cwdDescriptor: true,
        reportStart: true,
        mounts: this.table.mounts.map((m) => ({ agent: m.agent, host: m.host })),
        readOnlyPaths: readOnlyPathDirs(this.fixedPath, this.table),
        limits: {
          ...this.options.limits,
          ...(hardening?.prlimit?.asBytes !== undefined ? { memoryBytes: hardening.prlimit.asBytes } : {}),
          ...(hardening?.prlimit?.nproc !== undefined ? { processes: hardening.prlimit.nproc } : {}),
        },
      },
      probe,
      hostIds,
    );
    return spawnerClient().runInSpawner({
      ...common,
      file: command.file,
      args: command.args,
      cwd: '/',
      env: {},
      sandbox: command.spawnOptions,
      ...(command.cwdFolder !== undefined ? { cwdFolder: command.cwdFolder } : {}),
      ...(command.startedFd === true ? { startedFd: true as const } : {}),
    });
  }

  private async runUnsandboxed(
    program: string,
    args: string[],
    cwd: string,
    env: Record<string, string>,
    common: TreeCommon,
    timeoutMs: number,
  ): Promise<ProcessResult> {
    const hardening = this.options.hardening;
    const limits = hardening?.prlimit;
    const [file, argv] =
      this.prlimitPath !== undefined && limits !== undefined ? [this.prlimitPath, [...prlimitFlags(limits), '--', program, ...args]] : [program, args];
    const outcome = await spawnerClient().runInSpawner({
      ...common,
      file,
      args: argv,
      cwd,
      env,
      ...(hardening?.uid !== undefined ? { uid: hardening.uid } : {}),
      ...(hardening?.gid !== undefined ? { gid: hardening.gid } : {}),
    });
    return { ...outcome, timeoutMs, sandbox: SandboxMode.Off };
  }
}

/** What every run of the process tree shares (timeout, output cap, grace, stdin, signal). */
type TreeCommon = Pick<ProcessSpec, 'timeoutMs' | 'maxOutputBytes' | 'graceMs' | 'stdin' | 'signal'>;

function prlimitFlags(limits: NonNullable<ProcessHardening['prlimit']>): string[] {
  const flags: string[] = [];
  if (limits.nproc !== undefined) flags.push(`--nproc=${limits.nproc}`);
  if (limits.asBytes !== undefined) flags.push(`--as=${limits.asBytes}`);
  return flags;
}

function stringList(value: unknown): readonly string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/**
 * The shapes of the sandbox API: what to run ({@link SandboxSpec}) and what to spawn
 * ({@link SandboxCommand}). Shared by the process provider and any other launcher of
 * untrusted programs (e.g. stdio MCP servers).
 */

/** Network access of a sandboxed program (see docs/threat-model.md). */
export const SandboxNetwork = {
  /** A private network namespace with only a loopback device: nothing outside is reachable. */
  None: 'none',
  /**
   * The same private namespace, plus a forwarder on its loopback that relays TCP to the egress
   * proxy's Unix socket (see forwarder.ts); needs {@link SandboxSpec.proxyDir}.
   */
  Proxy: 'proxy',
} as const;
export type SandboxNetwork = (typeof SandboxNetwork)[keyof typeof SandboxNetwork];

/** One folder of the host shown inside the sandbox at an agent path. */
export interface SandboxMount {
  /** Absolute, normalised path inside the sandbox (e.g. `/workspace`). */
  readonly agent: string;
  /** Absolute host folder (resolved with realpath by the caller). */
  readonly host: string;
  /** Bind read-only (default: writable). */
  readonly readOnly?: boolean;
}

/** Resource limits applied to the program (with `prlimit` inside the sandbox). `Infinity` = no limit. */
export interface SandboxLimits {
  /** RLIMIT_AS: address space in bytes. Default 4 GiB. */
  readonly memoryBytes?: number;
  /**
   * RLIMIT_NPROC: processes of the program's host uid. The kernel does not enforce it for a
   * program whose host uid is 0 (the sandbox's uid maps to the worker's uid), so it bites
   * only when the worker, or `ProcessHardening.uid`, is not root. Default 512.
   */
  readonly processes?: number;
  /** RLIMIT_FSIZE: largest file the program may write, in bytes. Default 1 GiB. */
  readonly fileSizeBytes?: number;
  /**
   * Size of the sandbox's private `/tmp`, in bytes (a tmpfs: it takes the host's memory, which
   * neither the address-space nor the file-size limit counts). Default 256 MiB; `Infinity`
   * for none. Needs bubblewrap's `--size` (0.8 and later; older ones leave `/tmp` unbounded).
   */
  readonly tmpBytes?: number;
}

/** The defaults of {@link SandboxLimits}. */
export const DEFAULT_SANDBOX_LIMITS: Required<SandboxLimits> = {
  memoryBytes: 4 * 1024 ** 3,
  processes: 512,
  fileSizeBytes: 1024 ** 3,
  tmpBytes: 256 * 1024 ** 2,
};

/** What to run in the sandbox. */
export interface SandboxSpec {
  /** Absolute path of the program; it must be visible inside (a system folder or `readOnlyPaths`). */
  readonly command: string;
  readonly args: readonly string[];
  /** Working directory as an agent path inside the sandbox (e.g. `/workspace/repo`). */
  readonly cwd: string;
  /** The program's complete environment (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** At least one mount; each appears at its agent path. */
  readonly mounts: readonly SandboxMount[];
  /** Default `none`. */
  readonly network?: SandboxNetwork;
  /**
   * With `network: 'proxy'`: the host folder holding the egress proxy's socket
   * (`proxy.sock`), shown read-only at `/run/agent-os-net`. Point the program at the
   * forwarder with `proxyEnv()` in `env`.
   */
  readonly proxyDir?: string;
  /** Overrides of {@link DEFAULT_SANDBOX_LIMITS}. */
  readonly limits?: SandboxLimits;
  /** Further host folders shown read-only at the same path (e.g. a fixed PATH folder outside /usr). */
  readonly readOnlyPaths?: readonly string[];
  /**
   * The directory the caller checked as the working directory (device and inode of a
   * descriptor it verified). Inside the sandbox, after entering `cwd`, the program starts
   * only if its working directory is that very directory; otherwise nothing runs and the
   * sandbox exits with {@link CWD_MOVED_EXIT} and {@link CWD_MOVED_MESSAGE} on stderr (a link
   * was swapped between the check and the use).
   */
  readonly cwdIdentity?: { readonly dev: number; readonly ino: number };
  /**
   * With `cwdIdentity`: the launcher will hand bubblewrap a descriptor of the checked
   * directory when the command asks for one ({@link SandboxCommand.cwdFolder}), so the check
   * inside is a shell builtin against that directory instead of a `stat` process. Only for
   * launchers that do so (the process provider's); others keep the default (`stat` inside).
   */
  readonly cwdDescriptor?: boolean;
  /**
   * With `cwdIdentity`: the launcher reads descriptor {@link SANDBOX_STARTED_FD}, on which the
   * check writes {@link SANDBOX_STARTED_MARK} once it passed, just before the program is started
   * ({@link SandboxCommand.startedFd}). Only for launchers that do so (the process provider's).
   */
  readonly reportStart?: boolean;
}

/** The checked working directory as a launcher must hand it to bubblewrap (see {@link SandboxCommand.cwdFolder}). */
export interface SandboxCwdFolder {
  /** Host path of the working directory; opened by the launcher, never trusted by name. */
  readonly host: string;
  readonly dev: number;
  readonly ino: number;
}

/** The descriptor number at which bubblewrap expects the checked working directory. */
export const SANDBOX_CWD_FD = 4;
/**
 * Where the sandbox shows the checked working directory read-only, mounted from the
 * launcher's descriptor: the reference the working directory entered by name is compared
 * with (`[ . -ef … ]`). It lies in the sandbox's own root, which nothing outside can rename.
 */
export const SANDBOX_CWD_REF = '/run/agent-os-cwd';

/**
 * The descriptor on which the working-directory check reports that the program is being
 * started. The check closes it before it starts the program, and bubblewrap's init closes every
 * descriptor it does not need, so no process of the sandbox holds it once the program runs: the
 * program cannot write the mark, nor take it back.
 */
export const SANDBOX_STARTED_FD = 5;
/** The descriptor on which bubblewrap reads the sandbox's seccomp filter (see seccomp.ts); every launcher must supply it. */
export const SANDBOX_SECCOMP_FD = 6;
/** What the check writes on {@link SANDBOX_STARTED_FD} before it starts the program. */
export const SANDBOX_STARTED_MARK = 'started';

/** Exit status of a sandbox whose working directory was not the checked one. */
export const CWD_MOVED_EXIT = 125;
/** The stderr line that goes with {@link CWD_MOVED_EXIT}. */
export const CWD_MOVED_MESSAGE = 'agent-os sandbox: the working directory is not the one that was checked; nothing ran';

/** What a launcher spawns: `spawn(file, args, spawnOptions)`. */
export interface SandboxCommand {
  /** The bubblewrap executable. */
  readonly file: string;
  readonly args: readonly string[];
  /**
   * Options for `child_process.spawn`: an empty environment for bubblewrap itself (the
   * program's is passed with `--setenv`), its own process group, and a fourth pipe (fd 3)
   * on which bubblewrap reports the sandbox's init pid (read it with `readSandboxInfo`). The
   * launcher adds descriptors 4 to 6 (`sandboxStdio`) and writes the seccomp filter on 6
   * (`feedSeccomp`): bubblewrap starts nothing without it.
   */
  readonly spawnOptions: {
    readonly env: Record<string, string>;
    readonly detached: true;
    readonly shell: false;
    readonly stdio: ['pipe', 'pipe', 'pipe', 'pipe'];
    readonly uid?: number;
    readonly gid?: number;
  };
  /**
   * Present when the command expects the checked working directory at descriptor
   * {@link SANDBOX_CWD_FD}: the launcher opens `host` as a directory (no link followed),
   * makes sure it is `dev`/`ino` and passes it as the fifth stdio entry; when it is not, the
   * launcher starts nothing and the run ends as a sandbox finding a moved directory would
   * ({@link CWD_MOVED_EXIT}, {@link CWD_MOVED_MESSAGE}).
   */
  readonly cwdFolder?: SandboxCwdFolder;
  /**
   * Present when the command reports on descriptor {@link SANDBOX_STARTED_FD} that the program
   * is being started: the launcher passes a pipe there (the sixth stdio entry) and reads it. A
   * run whose pipe did not carry {@link SANDBOX_STARTED_MARK} started nothing; only then are its
   * exit status and stderr taken as one of the refusals before the program (a moved working
   * directory, a forwarder that did not start), which a program can print too.
   */
  readonly startedFd?: true;
}

/**
 * The built-in filesystem provider: `fs.read`, `fs.write`, `fs.delete`, `fs.list`.
 *
 * `resolve` turns the agent's path into the canonical agent path the policy judges: `..`
 * is applied lexically, the path is mapped onto its mount, symlinks are resolved on the
 * host, and the real path is mapped back. A path whose real location lies outside every
 * mount is refused (`Fs.Escape`) and so never judged as a workspace path. `execute` acts
 * only on the judged real path, relative to a verified folder descriptor (fs-handle.ts:
 * opened by path and checked against the kernel-reported path, or walked from the mount
 * root one folder at a time): a folder swapped for a symlink after it was judged is
 * refused, never followed — for reads, writes, deletes (recursive ones too) and listings.
 * A write or delete whose grant names the file a `created_by_run` rule relies on
 * (`created_file`) acts only if the file at the target is that one (file-identity.ts).
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { canonicalPath, compileGlob } from '../policy/index';
import { FsEscapeError, FsInvalidParamError, FsRecursiveNotAllowedError, FsTooLargeError, FsTooManyEntriesError, FsUnsafeFileError } from './fs-errors';
import { assertKernelGrant } from '../kernel/grant';
import { withCreatedFile, withMeta } from '../kernel/provider-output';
import { NEEDS_ASYNC, type ActionRequest, type ExecutionContext, type HostLocation, type Provider, type ResolvedRequest } from '../kernel/types';
import { unlinkIfSame } from './file-identity';
import { FD_RELATIVE } from './fs-handle';
import { type FsTarget, openFileFd, targetAt, walk, walkToParent } from './fs-handle-walk';
import { assertSafeStat, realpathLongestExisting, toFsError } from './fs-safe';
import { removeTree, type TreeGuard } from './fs-tree';
import { Durability, SYNC_IO_BYTES, atomicWrite, readAllFd, readAllFdSync, writeInPlaceOrReplace } from './fs-write';
import { MountTable } from './mounts';
import { countOption } from './count-option';
import { unknownOptionKey, unknownOptionProblem } from './option-keys';

/** Options of {@link FilesystemProvider}. */
export interface FilesystemProviderOptions {
  /** Agent mount point → host folder, e.g. `{ '/workspace': '/home/me/project' }`. Without mounts, agent paths are host paths. */
  readonly mounts?: Readonly<Record<string, string>>;
  /** Hard cap on bytes read or written per call, on top of any rule's `max_bytes` (default 16 MiB). */
  readonly maxBytes?: number;
  /**
   * Most entries one `fs.list` answers (default 100,000): a larger folder is refused with
   * `Fs.TooLarge` after reading at most one more entry, never loaded whole into memory.
   */
  readonly maxListEntries?: number;
  /**
   * How far `fs.write` flushes before it returns, and whether it is atomic. `'full'`
   * (default): a new file is written, fsynced and renamed over the target, then the folder is
   * fsynced — readers see the old file or the new one, and a written file survives a power
   * cut. `'os'`: no fsync, and an existing file is overwritten **in place**, as
   * py-agent-kernel does (a regular file with one link, no special bits, owned by the
   * worker; opened without following a link and never truncated before those checks) — a
   * reader at the same moment can see part old, part new, and a crash of the machine (or a
   * full disk) during the write can leave the file torn. New files, and files that fail
   * those checks, are still written atomically (temp file + rename, no fsync).
   */
  readonly durability?: Durability;
}

/** {@link FilesystemProviderOptions.maxListEntries} by default. */
const DEFAULT_MAX_LIST_ENTRIES = 100_000;
const FS_OPTIONS: readonly string[] = ['mounts', 'maxBytes', 'maxListEntries', 'durability'];

type Encoding = 'utf8' | 'base64';
const ENCODINGS: readonly string[] = ['utf8', 'base64'];
const PARAMS: Readonly<Record<string, readonly string[]>> = {
  'fs.read': ['encoding', 'max_bytes'],
  'fs.write': ['content', 'encoding', 'mode'],
  'fs.delete': ['recursive'],
  'fs.list': [],
};

/**
 * Reads, writes, deletes and lists files under its mounts.
 * `fs.read` → `data`: the content (a utf8 string, or base64 with `encoding: 'base64'`),
 * `meta`: `{ encoding, bytes, size, truncated }`. `fs.write` → `{ bytes, created }`.
 * `fs.delete` → `{ deleted: 'file' | 'directory' }`. `fs.list` → `[{ name, type }]` sorted by name.
 * @example
 * new FilesystemProvider({ mounts: { '/workspace': '/tmp/ws' } });
 */
export class FilesystemProvider implements Provider {
  readonly name = 'filesystem';
  readonly actions: readonly string[] = Object.keys(PARAMS);
  /** A write prepares its temp file while a hook's record is made durable; see `ExecutionContext.beforeEffect`. */
  readonly awaitsBeforeEffect = true;
  private readonly table: MountTable;
  private readonly maxBytes: number;
  private readonly maxListEntries: number;
  private readonly durability: Durability;

  /** @throws FsInvalidMountError for a mount that cannot be used; FsInvalidParamError for a `maxBytes`, `maxListEntries` or `durability` that is not one. */
  constructor(options: FilesystemProviderOptions = {}) {
    const unknown = unknownOptionKey(options, FS_OPTIONS);
    if (unknown !== undefined) throw new FsInvalidParamError(unknown.slice(0, 64), unknownOptionProblem('FilesystemProvider', FS_OPTIONS));
    this.table = new MountTable(options.mounts);
    const maxBytes = countOption(options.maxBytes, 16 * 1024 * 1024);
    if (maxBytes === undefined)
      throw new FsInvalidParamError('maxBytes', 'a FilesystemProvider option: a whole number of bytes ≥ 0 (NaN would be no cap at all)');
    this.maxBytes = maxBytes;
    const maxListEntries = countOption(options.maxListEntries, DEFAULT_MAX_LIST_ENTRIES, 1);
    if (maxListEntries === undefined) {
      throw new FsInvalidParamError('maxListEntries', 'a FilesystemProvider option: a whole number of entries, at least 1 (default 100000)');
    }
    this.maxListEntries = maxListEntries;
    const durability: unknown = options.durability ?? Durability.Full;
    if (durability !== Durability.Full && durability !== Durability.Os) {
      throw new FsInvalidParamError('durability', 'a FilesystemProvider option: use "full" (the default: fsync file and folder) or "os" (no fsync)');
    }
    this.durability = durability;
    warnIfByPath();
  }

  /** @throws InvalidTargetError (`Policy.InvalidTarget`) or FsEscapeError (`Fs.Escape`). */
  async resolve(request: ActionRequest): Promise<ResolvedRequest> {
    return this.resolveSync(request);
  }

  /** `resolve` without a promise (one `realpath(3)`): the kernel's deny path takes no `await`. @throws as `resolve`. */
  resolveSync(request: ActionRequest): ResolvedRequest {
    let canonicalTarget: string;
    try {
      canonicalTarget = canonicalPath(request.target, (agentPath) => this.realAgentPath(agentPath, request.target));
    } catch (err) {
      // canonicalPath wraps a failing realpath callback; an escape is reported as itself.
      const cause = (err as { cause?: unknown }).cause;
      throw cause instanceof FsEscapeError ? cause : err;
    }
    const aliases = this.aliasesOf(canonicalTarget);
    return { action: request.action, target: request.target, canonicalTarget, params: request.params ?? {}, ...(aliases.length > 0 ? { aliases } : {}) };
  }

  /**
   * The target's other agent paths where mounts overlap (`{ '/workspace': ws, '/data': ws/data }`
   * names one file `/data/a` and `/workspace/data/a`): deny and ask rules match them too, so a rule
   * written for one mount's path is not dodged through the other's (red team 15d).
   */
  private aliasesOf(canonicalTarget: string): string[] {
    if (!this.table.mayAlias) return [];
    const host = this.table.toHost(canonicalTarget);
    return host === undefined ? [] : this.table.aliasesOf(host, canonicalTarget);
  }

  /**
   * `execute` without a promise for `fs.read` of a file of at most SYNC_IO_BYTES (read with
   * synchronous calls either way); {@link NEEDS_ASYNC} for anything else, before anything is
   * opened — or, for a larger file, after its descriptor was opened and closed again.
   */
  executeSync(request: ResolvedRequest, context: ExecutionContext): unknown {
    if (request.action !== 'fs.read' || context.beforeEffect !== undefined) return NEEDS_ASYNC;
    assertKernelGrant(context, this.name);
    const { target, cap } = this.prepare(request, context);
    return this.readSmall(target, request.params, cap);
  }

  /** Runs one allowed action; requires a grant from `Kernel.submit`. */
  async execute(request: ResolvedRequest, context: ExecutionContext): Promise<unknown> {
    assertKernelGrant(context, this.name);
    const agentPath = request.canonicalTarget;
    const { loc, target, cap } = this.prepare(request, context);
    // A write waits for the hook's durable record right before its effect (fs-write.ts); the rest before anything.
    const gate = context.beforeEffect;
    if (gate !== undefined && request.action !== 'fs.write') await gate;
    switch (request.action) {
      case 'fs.read':
        return this.read(target, request.params, cap);
      case 'fs.write': {
        const { content, encoding = 'utf8', mode } = request.params as { content: string; encoding?: Encoding; mode?: number };
        const bytes = Buffer.from(content, encoding);
        if (bytes.length > cap) throw new FsTooLargeError(agentPath, bytes.length, cap);
        const createOnly = context.constraint['create_only'] === true;
        const replaceOnly = createdFile(context);
        // 'os': in place when safe (not atomic, like the reference); 'full': always atomic.
        const write = this.durability === Durability.Os ? writeInPlaceOrReplace : atomicWrite;
        const done = await write(target, bytes, {
          durability: this.durability,
          ...(mode === undefined ? {} : { mode }),
          ...(createOnly ? { createOnly } : {}),
          ...(replaceOnly === undefined ? {} : { replaceOnly }),
          ...(gate === undefined ? {} : { beforeEffect: gate }),
          ...(context.signal === undefined ? {} : { signal: context.signal }),
        });
        return withCreatedFile({ bytes: done.bytes, created: done.created }, done.file);
      }
      case 'fs.delete':
        return this.remove(
          target,
          loc.hostPath,
          request.params['recursive'] === true && context.constraint['recursive'] === true,
          createdFile(context),
          protectedBelow(context, request.aliases),
        );
      default:
        return this.list(target);
    }
  }

  /** The checked params, where the target lives, and the byte cap of this execution. @throws FsInvalidParamError / FsEscapeError */
  private prepare(request: ResolvedRequest, context: ExecutionContext): { loc: HostLocation; target: FsTarget; cap: number } {
    const agentPath = request.canonicalTarget;
    checkParams(request.action, request.params);
    const loc = this.locate(agentPath);
    if (loc === undefined) throw new FsEscapeError(agentPath);
    const ruleCap = context.constraint['max_bytes'];
    return { loc, target: targetAt(loc, agentPath), cap: Math.min(this.maxBytes, typeof ruleCap === 'number' ? ruleCap : Infinity) };
  }

  /** Where a canonical agent path lives on the host, and its mount root (for snapshot strategies). */
  locate(canonicalTarget: string): HostLocation | undefined {
    const hostPath = this.table.toHost(canonicalTarget);
    if (hostPath === undefined) return undefined;
    const floor = this.table.isIdentity ? '/' : this.table.toHost(mountOf(this.table, canonicalTarget));
    return floor === undefined ? undefined : { hostPath, floor };
  }

  private realAgentPath(agentPath: string, given: string): string {
    const host = this.table.toHost(agentPath);
    if (host === undefined) return agentPath; // under no mount: judged as written, never executable
    const back = this.table.toAgent(realpathLongestExisting(host), agentPath);
    if (back === undefined) throw new FsEscapeError(given);
    return back;
  }

  private async read(target: FsTarget, params: Readonly<Record<string, unknown>>, ruleCap: number): Promise<unknown> {
    const { encoding, cap } = readParams(params, ruleCap);
    const { fd, stat } = openFileFd(target); // synchronous open/fstat (see openFileFd)
    try {
      const small = readSmallFd(fd, stat.size, cap, encoding);
      if (small !== NEEDS_ASYNC) return small;
      const buf = Buffer.allocUnsafe(Math.min(stat.size, cap)); // unzeroed: only the `filled` bytes are used
      return readOutput(buf, await readAllFd(fd, buf), stat.size, encoding);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** `read` with synchronous calls only; {@link NEEDS_ASYNC} for a file larger than SYNC_IO_BYTES (opened and closed). */
  private readSmall(target: FsTarget, params: Readonly<Record<string, unknown>>, ruleCap: number): unknown {
    const { encoding, cap } = readParams(params, ruleCap);
    const { fd, stat } = openFileFd(target);
    try {
      return readSmallFd(fd, stat.size, cap, encoding);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Deletes through the verified parent: a file is unlinked by name there, a folder removed
   * through descriptors. With `expected` (a `created_by_run` grant) only the file the run created.
   */
  private async remove(target: FsTarget, host: string, recursive: boolean, expected: string | undefined, guard: TreeGuard | undefined): Promise<unknown> {
    const { agentPath } = target;
    if (target.parts.length === 0 || this.table.isMountRoot(host)) throw new FsUnsafeFileError(agentPath, 'a mount root is never deleted');
    const { dir, name } = await walkToParent(target);
    try {
      if (expected !== undefined) {
        unlinkIfSame(dir.at(name as string), expected, agentPath);
        return { deleted: 'file' };
      }
      const st = await dir.lstat(name as string, agentPath);
      assertSafeStat(st, agentPath, 'any');
      if (st.isDirectory()) {
        if (!recursive) throw new FsRecursiveNotAllowedError(agentPath);
        await removeTree(dir, name as string, agentPath, guard);
        return { deleted: 'directory' };
      }
      await fs.promises.unlink(dir.at(name as string)).catch((err: unknown) => {
        throw toFsError(err, agentPath); // never follows: a name swapped for a link loses the link only
      });
      return { deleted: 'file' };
    } finally {
      await dir.close();
    }
  }

  /** Lists the folder through its own verified descriptor, at most `maxListEntries` entries (read one by one, never all at once). */
  private async list(target: FsTarget): Promise<unknown> {
    const dir = await walk(target);
    const entries: { name: string; type: string }[] = [];
    try {
      const reader = await fs.promises.opendir(dir.self(), { bufferSize: 1024 }).catch((err: unknown) => {
        throw toFsError(err, target.agentPath);
      });
      try {
        for (;;) {
          const e = await reader.read().catch((err: unknown) => {
            throw toFsError(err, target.agentPath);
          });
          if (e === null) break;
          if (entries.length === this.maxListEntries) throw new FsTooManyEntriesError(target.agentPath, this.maxListEntries);
          entries.push({ name: e.name, type: e.isFile() ? 'file' : e.isDirectory() ? 'directory' : e.isSymbolicLink() ? 'symlink' : 'other' });
        }
      } finally {
        await reader.close().catch(() => undefined);
      }
    } finally {
      await dir.close();
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

let warned = false;

/** Elsewhere than Linux, says once which guarantee is weaker. */
function warnIfByPath(): void {
  if (FD_RELATIVE || warned) return;
  warned = true;
  process.emitWarning(
    'agent-os filesystem provider: /proc/self/fd is not available on this platform, so files are acted on by path after each folder is opened without following links; ' +
      'a process that renames a folder inside the workspace while an action runs can redirect it (on Linux every action goes through verified descriptors). ' +
      'Do not run untrusted programs beside the agent here.',
    { code: 'AGENT_OS_FS_BY_PATH' },
  );
}

/**
 * The first `length` bytes of `buf` as UTF-8 text without an incomplete character at their
 * end (held back, as `StringDecoder#write` does: a read cut by `max_bytes` never ends in
 * U+FFFD). Ending in an ASCII byte nothing can be incomplete, and the plain decode is the
 * same text without a decoder object.
 */
/** An `fs.read`'s encoding, and its byte cap: the rule's and the request's `max_bytes`, the lower. */
function readParams(params: Readonly<Record<string, unknown>>, ruleCap: number): { encoding: Encoding; cap: number } {
  const asked = params['max_bytes'];
  return { encoding: (params['encoding'] ?? 'utf8') as Encoding, cap: Math.min(ruleCap, typeof asked === 'number' ? asked : Infinity) };
}

/** What `fs.read` returns for the `filled` bytes read of a file of `size` bytes. */
function readOutput(buf: Buffer, filled: number, size: number, encoding: Encoding): unknown {
  const content = encoding === 'base64' ? buf.toString('base64', 0, filled) : utf8Whole(buf, filled);
  return withMeta(content, { encoding, bytes: filled, size, truncated: size > filled });
}

/**
 * The read of the open file `fd` when its first `cap` bytes are at most SYNC_IO_BYTES: with
 * synchronous `read(2)` calls into one reused buffer, decoded before anything else runs (the
 * buffer is never handed out); {@link NEEDS_ASYNC} when more are to be read.
 */
function readSmallFd(fd: number, size: number, cap: number, encoding: Encoding): unknown {
  const want = Math.min(size, cap);
  if (want > SYNC_IO_BYTES) return NEEDS_ASYNC;
  const buf = READ_SCRATCH.subarray(0, want);
  return readOutput(buf, readAllFdSync(fd, buf), size, encoding);
}

/** Where small files are read (readSmallFd): the bytes never leave it, only their decoded text. */
const READ_SCRATCH = Buffer.allocUnsafe(SYNC_IO_BYTES);

function utf8Whole(buf: Buffer, length: number): string {
  if (length === 0 || (buf[length - 1] as number) < 0x80) return buf.toString('utf8', 0, length);
  return new StringDecoder('utf8').write(buf.subarray(0, length));
}

/** The file identity a `created_by_run` grant relies on (`created_file`), if any. */
function createdFile(context: ExecutionContext): string | undefined {
  const file = context.constraint['created_file'];
  return typeof file === 'string' ? file : undefined;
}

/**
 * The deny globs a recursive delete must not reach below its target (`protected_below`, set by
 * evaluation), matched under the target's other names too (`aliases`). Fail closed: a malformed
 * value protects everything.
 */
function protectedBelow(context: ExecutionContext, aliases: readonly string[] | undefined): TreeGuard | undefined {
  const list = context.constraint['protected_below'];
  if (list === undefined) return undefined;
  try {
    if (Array.isArray(list) && list.every((p) => typeof p === 'string'))
      return { protectedBelow: list.map((p: string) => compileGlob(p, true)), ...(aliases === undefined ? {} : { aliases }) };
  } catch {
    // a pattern that does not compile: below
  }
  return { protectedBelow: [compileGlob('**', true)] };
}

/** The mount point an agent path lies under (the table's longest match). */
function mountOf(table: MountTable, agentPath: string): string {
  const m = table.mounts.find((x) => agentPath === x.agent || agentPath.startsWith(x.agent === '/' ? '/' : `${x.agent}/`));
  return m === undefined ? '/' : m.agent;
}

/** @throws FsInvalidParamError for unknown params or values of the wrong type. */
function checkParams(action: string, params: Readonly<Record<string, unknown>>): void {
  const allowed = PARAMS[action] ?? [];
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw new FsInvalidParamError(key, `${action} takes ${allowed.length ? allowed.join(', ') : 'no params'}`);
  }
  const { encoding, max_bytes: maxBytes, content, mode, recursive } = params;
  if (encoding !== undefined && !ENCODINGS.includes(encoding as string)) throw new FsInvalidParamError('encoding', 'use "utf8" or "base64"');
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && (maxBytes as number) >= 0))
    throw new FsInvalidParamError('max_bytes', 'a non-negative integer');
  if (action === 'fs.write' && typeof content !== 'string') throw new FsInvalidParamError('content', 'a string is required');
  if (action === 'fs.write' && encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(content as string))
    throw new FsInvalidParamError('content', 'not valid base64');
  if (mode !== undefined && !(Number.isInteger(mode) && (mode as number) >= 0 && (mode as number) <= 0o777))
    throw new FsInvalidParamError('mode', 'an integer permission mode from 0 to 0o777');
  if (recursive !== undefined && typeof recursive !== 'boolean') throw new FsInvalidParamError('recursive', 'a boolean');
}

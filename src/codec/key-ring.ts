/**
 * The codec's key ring: every key that may decrypt, and the newest, which encrypts.
 *
 * Format (a keys file, or the value of `AGENT_OS_CODEC_KEYS`): one key per line (or entries
 * separated by commas), `<key-id>:<base64 of 32 random bytes>`; blank lines and `#` comments
 * are ignored. The **last** key encrypts; all of them decrypt. To rotate, append a new key
 * (every process that reads or writes runs must get it) and keep the old ones as long as
 * runs encrypted with them are kept.
 *
 * ```
 * # agent-os codec keys — chmod 600
 * 2026-01:3q2+7w...=
 * 2026-06:Yk9d0a...=
 * ```
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CodecKeyConfigError } from './errors';

/** Key length of AES-256, in bytes. */
export const KEY_BYTES = 32;

/** What a key id may look like (it is recorded in each payload's metadata, so no secrets in it). */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The environment variable holding keys inline. */
export const CODEC_KEYS_ENV = 'AGENT_OS_CODEC_KEYS';
/** The environment variable naming a keys file. */
export const CODEC_KEYS_FILE_ENV = 'AGENT_OS_CODEC_KEYS_FILE';
/** The environment variable turning strict mode on (`1`/`true`/`on`; `0`/`false`/`off` or unset: off). */
export const CODEC_STRICT_ENV = 'AGENT_OS_CODEC_STRICT';

/** A parsed key ring. */
export interface KeyRing {
  /** The key that encrypts (the last one listed). */
  readonly current: string;
  /** Every key id → 32-byte key. */
  readonly keys: ReadonlyMap<string, Buffer>;
  /** Where the keys came from (a file path or the variable's name), for messages. */
  readonly source: string;
  /**
   * Strict mode (`AGENT_OS_CODEC_STRICT=1`, `--codec-strict`): reading refuses plaintext payloads
   * (`Codec.Plaintext`) and encrypted ones not bound to a workflow or activity (`Codec.Unbound`,
   * format v1) — turn it on once no run recorded before encryption (or before bindings) is read.
   */
  readonly strict?: boolean;
}

/**
 * Parses keys in the format above.
 * @throws CodecKeyConfigError naming the source and line (never the key material).
 * @example
 * const ring = parseKeyRing('2026-01:' + randomBytes(32).toString('base64'), 'AGENT_OS_CODEC_KEYS');
 */
export function parseKeyRing(text: string, source: string): KeyRing {
  const keys = new Map<string, Buffer>();
  let current: string | undefined;
  const entries = text.split(/\r?\n/).flatMap((line, i) => line.split(',').map((entry) => ({ entry: entry.replace(/#.*/, '').trim(), line: i + 1 })));
  for (const { entry, line } of entries) {
    if (entry === '') continue;
    const where = `line ${line}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new CodecKeyConfigError(source, `${where}: expected <key-id>:<base64 key>, e.g. 2026-01:$(openssl rand -base64 32)`);
    const id = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) throw new CodecKeyConfigError(source, `${where}: key id "${id}" must be 1–64 of A-Z a-z 0-9 . _ -`);
    if (keys.has(id)) throw new CodecKeyConfigError(source, `${where}: key id "${id}" appears twice — every key needs its own id`);
    const key = Buffer.from(material, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(material) || key.length !== KEY_BYTES) {
      throw new CodecKeyConfigError(
        source,
        `${where}: key "${id}" must be ${KEY_BYTES} bytes in base64 (got ${key.length} bytes) — make one with: openssl rand -base64 32`,
      );
    }
    keys.set(id, key);
    current = id;
  }
  if (current === undefined) throw new CodecKeyConfigError(source, 'no keys — add a line <key-id>:<base64 of 32 random bytes>');
  return { current, keys, source };
}

/**
 * Reads a keys file. It must be readable by its owner only (like an SSH key); the mode is
 * checked on the opened file itself, so a symlink (as in Kubernetes secret volumes — mount
 * them with `defaultMode: 0400`) is judged by what it points to.
 * @throws CodecKeyConfigError when it is missing, unreadable, readable by others or malformed.
 */
export function readKeyRingFile(file: string): KeyRing {
  let text: string;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY);
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw new CodecKeyConfigError(file, 'not a regular file');
      if ((stat.mode & 0o077) !== 0) {
        throw new CodecKeyConfigError(file, `mode ${(stat.mode & 0o777).toString(8)} lets others read or change the keys — run: chmod 600 ${file}`);
      }
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (err instanceof CodecKeyConfigError) throw err;
    throw new CodecKeyConfigError(file, `cannot read the keys file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return parseKeyRing(text, file);
}

/**
 * The key ring configured for this process: `file` (a `--codec-keys` flag) wins, then
 * `AGENT_OS_CODEC_KEYS_FILE`, then `AGENT_OS_CODEC_KEYS`; undefined when none is set
 * (payloads are then written in plaintext, and encrypted ones cannot be read). With
 * `AGENT_OS_CODEC_STRICT=1` the ring is `strict` (see {@link KeyRing.strict}).
 * @throws CodecKeyConfigError when the setting is malformed, both variables are set, or strict
 *   mode is asked for without keys.
 */
export function keyRingFromEnv(file?: string, env: NodeJS.ProcessEnv = process.env): KeyRing | undefined {
  const strict = strictFromEnv(env);
  const ring = ringFromEnv(file, env);
  if (ring === undefined) {
    if (strict)
      throw new CodecKeyConfigError(
        CODEC_STRICT_ENV,
        `strict mode is on but no codec keys are configured — set ${CODEC_KEYS_FILE_ENV} (or --codec-keys FILE) or ${CODEC_KEYS_ENV}, or unset ${CODEC_STRICT_ENV}`,
      );
    return undefined;
  }
  return strict ? { ...ring, strict } : ring;
}

function ringFromEnv(file: string | undefined, env: NodeJS.ProcessEnv): KeyRing | undefined {
  if (file !== undefined && file !== '') return readKeyRingFile(file);
  const fromFile = env[CODEC_KEYS_FILE_ENV];
  const inline = env[CODEC_KEYS_ENV];
  if (fromFile && inline) throw new CodecKeyConfigError(CODEC_KEYS_ENV, `both ${CODEC_KEYS_ENV} and ${CODEC_KEYS_FILE_ENV} are set — keep one`);
  if (fromFile) return readKeyRingFile(fromFile);
  if (inline) return parseKeyRing(inline, CODEC_KEYS_ENV);
  return undefined;
}

/**
 * `AGENT_OS_CODEC_STRICT` as a boolean.
 * @throws CodecKeyConfigError for any other value than 1/true/on/yes, 0/false/off/no or empty.
 */
export function strictFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env[CODEC_STRICT_ENV] ?? '').trim().toLowerCase();
  if (value === '' || value === '0' || value === 'false' || value === 'off' || value === 'no') return false;
  if (value === '1' || value === 'true' || value === 'on' || value === 'yes') return true;
  throw new CodecKeyConfigError(CODEC_STRICT_ENV, `"${env[CODEC_STRICT_ENV]}" is not a switch — use 1 (strict) or 0 (off)`);
}

/** A new random key line, `<id>:<base64>`. */
export function newKeyLine(id: string): string {
  if (!KEY_ID_PATTERN.test(id)) throw new CodecKeyConfigError('new key', `key id "${id}" must be 1–64 of A-Z a-z 0-9 . _ -`);
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * Returns the keys file at `file`, creating it (mode 600) with one new key when missing —
 * for `agent-os dev`'s local key.
 */
export function ensureKeyRingFile(file: string): KeyRing {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const id = `dev-${new Date().toISOString().slice(0, 10)}`;
    fs.writeFileSync(file, `# agent-os dev: local codec key (generated); keep it to read these runs\n${newKeyLine(id)}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readKeyRingFile(file);
}

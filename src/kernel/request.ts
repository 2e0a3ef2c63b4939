/**
 * The first stage of `submit`: turn an untrusted value into an {@link ActionRequest}, or
 * explain exactly what is wrong with it. The agent (or a model) builds requests, so every
 * field is checked; a malformed request is answered with `ERROR Kernel.MalformedRequest`
 * and still gets its audit record.
 */
import { types } from 'node:util';
import type { ActionRequest } from './types';
import { MalformedRequestError } from './errors';

/** Longest accepted `action` / `target`, in UTF-16 code units. */
const MAX_ACTION_LENGTH = 128;
const MAX_TARGET_LENGTH = 4096;

const ACTION_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Validates the shape of a raw request.
 * @returns a fresh, frozen request with `params` defaulting to `{}`.
 * @throws MalformedRequestError naming the first problem found.
 * @example
 * validateRequest({ action: 'fs.read', target: '/workspace/a.txt' });
 * // → { action: 'fs.read', target: '/workspace/a.txt', params: {} }
 */
export function validateRequest(raw: unknown): ActionRequest & { readonly params: Readonly<Record<string, unknown>> } {
  try {
    return checkRequest(raw);
  } catch (err) {
    if (err instanceof MalformedRequestError) throw err;
    // A getter or Proxy trap threw while the request was read: refuse it, whatever it was.
    throw new MalformedRequestError('the request could not be read (a property getter or Proxy trap threw)');
  }
}

/** The params of every request that gives none: one frozen empty object (its hash is known, see hashParams). */
export const EMPTY_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

function checkRequest(raw: unknown): ActionRequest & { readonly params: Readonly<Record<string, unknown>> } {
  if (!isPlainObject(raw)) throw new MalformedRequestError('a request must be an object { action, target, params? }');
  const { action, target, params } = raw;
  if (typeof action !== 'string' || action.length === 0) throw new MalformedRequestError('"action" must be a non-empty string');
  if (action.length > MAX_ACTION_LENGTH || !ACTION_PATTERN.test(action)) {
    throw new MalformedRequestError(`"action" must look like "area.verb" (lower case, dotted), got ${JSON.stringify(action.slice(0, MAX_ACTION_LENGTH))}`);
  }
  if (typeof target !== 'string' || target.length === 0) throw new MalformedRequestError('"target" must be a non-empty string');
  if (target.length > MAX_TARGET_LENGTH) throw new MalformedRequestError(`"target" is longer than ${MAX_TARGET_LENGTH} characters`);
  if (CONTROL_CHARS.test(target)) throw new MalformedRequestError('"target" contains control characters');
  if (params !== undefined && !isPlainObject(params)) throw new MalformedRequestError('"params" must be a plain object when given');
  const keys = Object.keys(raw);
  if (keys.length > 3 || keys.some(isExtraKey)) {
    const extra = keys.filter(isExtraKey);
    throw new MalformedRequestError(`unknown request field(s): ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  return Object.freeze({ action, target, params: params === undefined ? EMPTY_PARAMS : Object.freeze(copyJson(params, 'params')) });
}

/**
 * Best-effort `action`/`target` strings of a possibly malformed request, for its audit record.
 * Never throws; long or non-string values are shortened or replaced by a description.
 */
export function describeRaw(raw: unknown): { action: string; target: string } {
  const pick = (key: string): string => {
    try {
      if (types.isProxy(raw)) return '<proxy>';
      if (!isPlainObject(raw)) return `<${raw === null ? 'null' : typeof raw}>`;
      const v = raw[key];
      if (typeof v === 'string') return v.length > MAX_TARGET_LENGTH ? `${v.slice(0, MAX_TARGET_LENGTH)}…` : v;
      return `<${v === null ? 'null' : typeof v}>`;
    } catch {
      return '<unreadable>';
    }
  };
  return { action: pick('action'), target: pick('target') };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isExtraKey(k: string): boolean {
  return k !== 'action' && k !== 'target' && k !== 'params';
}

/** Deep copy restricted to JSON values, so a provider never sees getters, cycles or class instances. */
function copyJson(value: Record<string, unknown>, where: string): Record<string, unknown> {
  return walkJson(value, where, 0) as Record<string, unknown>;
}

function walkJson(v: unknown, at: string, d: number): unknown {
  if (d > 32) throw new MalformedRequestError(`${at} is nested deeper than 32 levels`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new MalformedRequestError(`${at} is not a finite number`);
    return v;
  }
  if (Array.isArray(v)) return v.map((item, i) => walkJson(item, `${at}[${i}]`, d + 1));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) {
      // Scalars need no path (it names only what is wrong); it is built for nested values.
      const copied = isJsonScalar(item) ? item : walkJson(item, `${at}.${k}`, d + 1);
      // A key Object.prototype has ("__proto__", an accessor, a frozen "toString") is defined,
      // never assigned: the copy always gets an own data property and never a prototype.
      if (k in Object.prototype) Object.defineProperty(out, k, { value: copied, enumerable: true, writable: true, configurable: true });
      else out[k] = copied;
    }
    return out;
  }
  throw new MalformedRequestError(`${at} is not a JSON value (got ${typeof v})`);
}

/** A string, boolean, null or finite number: copied as is. */
function isJsonScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

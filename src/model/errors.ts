/**
 * Model failures as they cross the workflow boundary: `ApplicationFailure`s with dotted
 * types and explicit retryability (429, 5xx, timeouts retry; 400, 401, 403, 404 do not).
 */
import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { ModelFailure } from './failure-codes';

export { ModelFailure } from './failure-codes';

/** Seconds or an HTTP date in `retry-after` (and OpenAI's `retry-after-ms`) → milliseconds. */
function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Where the model endpoint is and which setting named it, for messages that say how to fix them. */
export interface ModelEndpoint {
  /** The base URL used (`https://api.openai.com/v1` when none was set). */
  readonly url: string;
  /** The setting that names it, e.g. `OPENAI_BASE_URL`. */
  readonly setting: string;
}

/** Socket errors that mean "nobody answers at this address" — retrying will not help soon. */
const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The first socket error code in an error's cause chain (fetch wraps it twice). */
function socketCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Maps an error of the `openai` client to an `ApplicationFailure` with a dotted type.
 * With `endpoint`, connection failures name the URL and the setting to fix; a refused
 * connection or an unknown host is non-retryable (the run fails fast instead of retrying
 * for minutes), other connection errors retry.
 * @example
 * try { await client.chat.completions.create(...) } catch (err) { throw toModelFailure(err) }
 */
export function toModelFailure(err: unknown, endpoint?: ModelEndpoint): ApplicationFailure {
  const at = endpoint ? ` at ${endpoint.url}` : '';
  if (err instanceof APIConnectionTimeoutError) return failure(ModelFailure.Timeout, `model request${at} timed out`, false, err);
  if (err instanceof APIConnectionError) {
    const code = socketCode(err);
    const fix = endpoint ? ` — check ${endpoint.setting} and that the model server runs` : '';
    return failure(ModelFailure.Connection, `model endpoint${at} unreachable: ${code ?? err.message}${fix}`, code !== undefined && REFUSED.has(code), err);
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    // The client's own message starts with the status again ("429 slow down"); say it once.
    const detail = `model endpoint answered ${status}: ${err.message.replace(/^\d{3}\s*/, '')}`;
    if (status === 429) {
      const delay = retryAfterMs(err.headers);
      return ApplicationFailure.create({
        type: ModelFailure.RateLimit,
        message: detail,
        nonRetryable: false,
        ...(delay !== undefined ? { nextRetryDelay: delay } : {}),
        cause: err,
      });
    }
    if (status >= 500 || status === 408 || status === 409) return failure(ModelFailure.ServerError, detail, false, err);
    if (status === 400 || status === 422) return failure(ModelFailure.BadRequest, detail, true, err);
    if (status === 401 || status === 403) return failure(ModelFailure.Unauthorized, `${detail} — check OPENAI_API_KEY`, true, err);
    if (status === 404) return failure(ModelFailure.NotFound, `${detail} — check the model name and OPENAI_BASE_URL`, true, err);
    return failure(ModelFailure.Rejected, detail, true, err);
  }
  if (err instanceof ApplicationFailure) return err;
  return failure(ModelFailure.Connection, `model call failed: ${err instanceof Error ? err.message : String(err)}`, false, err);
}

function failure(type: ModelFailure, message: string, nonRetryable: boolean, cause: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable, ...(cause instanceof Error ? { cause } : {}) });
}

/**
 * Reading a response body under a byte cap. The count is of bytes as the agent would see
 * them, i.e. after undici's decompression, and reading stops (the stream is cancelled) at
 * the cap: a small gzip body that inflates to gigabytes costs at most `cap` bytes of memory
 * plus one chunk, and the rest is never inflated.
 */

/** A capped body. */
export interface CappedBody {
  readonly bytes: Buffer;
  /** True when the body was longer than the cap (and was cut). */
  readonly truncated: boolean;
}

/** Reads at most `cap` bytes of `body`, then cancels it. */
export async function readCapped(body: ReadableStream<Uint8Array> | null, cap: number): Promise<CappedBody> {
  if (body === null) return { bytes: Buffer.alloc(0), truncated: false };
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = cap - size;
      if (value.byteLength > room) {
        if (room > 0) chunks.push(Buffer.from(value.buffer, value.byteOffset, room));
        size = cap;
        truncated = true;
        break;
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      size += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return { bytes: Buffer.concat(chunks, size), truncated };
}

const TEXTUAL = /^(text\/|application\/([a-z0-9.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded)\b)/i;

/** `utf8` for textual content types, `base64` for everything else. */
export function bodyEncodingFor(contentType: string | null): 'utf8' | 'base64' {
  return contentType !== null && TEXTUAL.test(contentType.trim()) ? 'utf8' : 'base64';
}

/**
 * Reading a request body with a byte limit counted while streaming: a
 * Content-Length header can lie or be absent, so it is only a fast path.
 *
 * @module
 */

/** The body was larger than allowed. */
export class BodyTooLargeError extends Error {}

/**
 * Reads at most `maxBytes` of the body, or throws BodyTooLargeError.
 *
 * @example
 * ```ts
 * const bytes = await readLimited(request, 256 * 1024);
 * ```
 */
export async function readLimited(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(`declared ${declared} bytes`);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(`more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

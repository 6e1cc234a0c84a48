/**
 * Reading a request body with a byte limit counted while streaming. A
 * Content-Length header can lie or be absent, so it is only a fast path for
 * refusing early. Hono's `bodyLimit` middleware is not used because it
 * trusts a Content-Length that is present: behind a proxy or in
 * `app.request()` nothing guarantees that the stream matches it.
 *
 * @module
 */

/** The body was larger than allowed. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

/**
 * Reads the whole body, refusing it as soon as more than `maxBytes` arrived.
 *
 * @param req the incoming request (its body is consumed)
 * @param maxBytes the largest body accepted
 * @returns the exact bytes received
 * @throws {BodyTooLargeError} when the declared or the counted size exceeds `maxBytes`
 * @throws {RangeError} when `maxBytes` is not a non-negative integer
 *
 * @example
 * ```ts
 * const bytes = await readLimited(request, 256 * 1024);
 * ```
 */
export async function readLimited(req: Request, maxBytes: number): Promise<Uint8Array> {
  if (!Number.isInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new BodyTooLargeError(`declared ${declared} bytes`);
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop reading: the sender learns 413 without us buffering the rest.
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(`more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  // A small body usually arrives as one chunk: hand it over without a copy.
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * Reading an SSO response body with a cap on its decoded size. `fetch`
 * inflates gzip/deflate/br itself, so the count is of what the body stream
 * yields, not of the bytes on the wire: a 500 KB gzip bomb is stopped at the
 * cap like an endless chunked body, and memory stays bounded by the cap.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";

/** Default of `SCIM_MAX_RESPONSE_BYTES`: 32 MiB, about 30 times a 1,000-user page. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * A response body was larger than `SCIM_MAX_RESPONSE_BYTES`. Not retried: the
 * same request would only bring the same body.
 *
 * @example
 * ```ts
 * throw new ResponseTooLargeError("GET /Users?startIndex=1", 33_554_432);
 * ```
 */
export class ResponseTooLargeError extends ScimSyncError {
  readonly limitBytes: number;
  constructor(request: string, limitBytes: number) {
    super(
      "SCIM_RESPONSE_TOO_LARGE",
      `The SSO's response to ${request} is larger than SCIM_MAX_RESPONSE_BYTES (${
        formatBytes(limitBytes)
      }, counted after decompression); ` +
        `it was not read further. If pages this large are expected, lower SCIM_PAGE_SIZE or raise SCIM_MAX_RESPONSE_BYTES.`,
    );
    this.limitBytes = limitBytes;
  }
}

/**
 * The body of `res` as text, reading at most `maxBytes` decoded bytes; the
 * stream is cancelled (the connection dropped) as soon as the cap is passed.
 *
 * @param res the response, body not yet used
 * @param maxBytes the cap on decoded bytes
 * @param request what was asked, for the error message (no secrets, no query strings with tokens)
 * @throws {ResponseTooLargeError} when the body (or its declared Content-Length) passes the cap
 * @throws whatever the body stream throws when the connection is cut or the signal aborts
 *
 * @example
 * ```ts
 * const text = await readBoundedText(await fetch(url), 32 * 1024 * 1024, "GET /Users");
 * ```
 */
export async function readBoundedText(
  res: Response,
  maxBytes: number,
  request: string,
): Promise<string> {
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
  // Without an encoding the declared length is the decoded length: refuse before reading.
  const declared = Number(res.headers.get("content-length"));
  if (!res.headers.get("content-encoding") && Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(request, maxBytes);
  }
  if (!res.body) return "";
  // A declared length within the cap bounds the body (HTTP framing): read it natively, with no
  // copy of our own (the copy below was ~0.45 s of a 100,000-user no-op).
  if (framedWithin(res, maxBytes)) return await res.text();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new ResponseTooLargeError(request, maxBytes);
    }
    chunks.push(value);
  }
  // One decode of the whole body: decoding per chunk and joining the parts cost ~1 s of
  // CPU per 100,000 users (a rope of small strings flattened by JSON.parse).
  const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(total);
  if (chunks.length > 1) {
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Whether HTTP framing alone keeps the body within `maxBytes`, so it may be
 * read natively (`res.text()`, `res.json()`) without counting: a declared
 * Content-Length within the cap, no content encoding (the declared length is
 * then the decoded length) and no Transfer-Encoding. With both headers,
 * Bun's fetch follows the chunked framing and reads past the declared length
 * (20 declared, 448 MiB read, tried here), so that body is counted.
 *
 * @example
 * ```ts
 * framedWithin(new Response("{}", { headers: { "Content-Length": "2" } }), 1024); // true
 * ```
 */
export function framedWithin(res: Response, maxBytes: number): boolean {
  if (res.headers.get("content-encoding") || res.headers.get("transfer-encoding")) return false;
  const declared = Number(res.headers.get("content-length"));
  return Number.isFinite(declared) && declared > 0 && declared <= maxBytes;
}

/**
 * Bytes for people, in binary units.
 *
 * @example
 * ```ts
 * formatBytes(33_554_432); // "32 MiB"
 * ```
 */
export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} B`;
}

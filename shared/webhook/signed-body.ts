/**
 * "Read limited → verify → decode" as one Hono middleware, mounted by every
 * route that accepts signed JSON (the webhook app and the runner's ingestion
 * API). Cheapest first and before any work: the body is read with a limit
 * counted while streaming, its exact bytes are verified by the route's own
 * check, and only then decoded (strict UTF-8, a JSON object). The handler
 * finds the result in `c.get("signedBody")`.
 *
 * Hono's own `bodyLimit` is not used: it trusts a Content-Length that is
 * present, and it re-wraps the body for a later reader, while here the
 * verified bytes themselves are what the handler needs.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { INVALID_SIGNATURE_MESSAGE } from "../errors.ts";
import { decodeJsonObject } from "./parse-envelope.ts";
import { BodyTooLargeError, readLimited } from "./raw-body.ts";

/** The outcome of a route's signature check: what it proved, or why not (for the log). */
export type VerifyResult<V> = { ok: true; value: V } | { ok: false; reason: string };

/** Options of {@linkcode signedBody}. */
export interface SignedBodyOptions<V> {
  /** Largest body read; past it, 413 without reading the rest. */
  maxBytes: number;
  /** Checks the exact bytes received (HMAC, replay headers). */
  verify(headers: Headers, bytes: Uint8Array): Promise<VerifyResult<V>>;
  /** Told why a request was refused with 401; never sees a secret. */
  onRefused?: (reason: string) => void;
}

/** What the middleware leaves for the handler. */
export interface SignedBody<V> {
  /** The exact bytes that were verified. */
  bytes: Uint8Array;
  /** Those bytes decoded: a JSON object, not yet validated by a schema. */
  json: object;
  /** What `verify` proved. */
  verified: V;
}

/** The Hono environment of a route behind {@linkcode signedBody}. */
export type SignedBodyEnv<V> = { Variables: { signedBody: SignedBody<V> } };

/**
 * Creates the middleware. Answers, before the handler runs: 413 too large ·
 * 400 unreadable, not UTF-8 or not a JSON object · 401 `Invalid webhook
 * signature` (the reason goes to `onRefused`, never into the answer).
 *
 * @param options the limit, the check and where refusals are told
 * @returns a middleware that sets `signedBody`
 * @throws {RangeError} when `maxBytes` is not a positive integer
 *
 * @example
 * ```ts
 * app.post("/api/v1/scim/events", signedBody({
 *   maxBytes: 1024 * 1024,
 *   verify: async (headers, bytes) =>
 *     (await verifyScimSignature(headers.get("x-scim-signature"), bytes, secrets))
 *       ? { ok: true, value: null }
 *       : { ok: false, reason: "X-SCIM-Signature" },
 * }), (c) => c.json(c.get("signedBody").json));
 * ```
 */
export function signedBody<V>(options: SignedBodyOptions<V>): MiddlewareHandler<SignedBodyEnv<V>> {
  const { maxBytes } = options;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  }
  return async function signedBody(c, next) {
    const bytes = await readBody(c.req.raw, maxBytes);
    const check = await options.verify(c.req.raw.headers, bytes);
    if (!check.ok) {
      options.onRefused?.(check.reason);
      throw new HTTPException(401, { message: INVALID_SIGNATURE_MESSAGE });
    }
    const decoded = decodeJsonObject(bytes);
    if (!decoded.ok) throw new HTTPException(400, { message: decoded.message });
    c.set("signedBody", { bytes, json: decoded.json, verified: check.value });
    await next();
  };
}

/** The body within the limit, or the HTTP answer for why not. */
async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  try {
    return await readLimited(req, maxBytes);
  } catch (e) {
    if (e instanceof BodyTooLargeError) {
      throw new HTTPException(413, { message: `Body larger than ${maxBytes} bytes` });
    }
    throw new HTTPException(400, { message: "Could not read the body" });
  }
}

/**
 * One authenticated, rate-limited, bounded and retried GET against the SSO,
 * returning parsed JSON. Per attempt: get a token, take a rate-limit slot,
 * send (redirects.ts keeps it on the SSO's origin), read the body with a cap
 * on its decoded size (bounded-body.ts), and classify the answer: 401 once
 * refreshes the token, 408/429/5xx and cut connections retry (a Retry-After
 * holds every request of the client, rate-limiter.ts), other 4xx fail with the
 * SCIM error's detail.
 *
 * @module
 */
import {
  ConnectionFailedError,
  ScimHttpError,
  ScimResponseError,
  type ScimSyncError,
} from "../../shared/errors.ts";
import { ScimErrorBody } from "../../shared/scim-schemas.ts";
import { parseRetryAfter, RetryableError, withRetry } from "../../shared/retry.ts";
import { sleep } from "../../shared/sleep.ts";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  framedWithin,
  readBoundedText,
  ResponseTooLargeError,
} from "./bounded-body.ts";
import { reason } from "./fetch-failure.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { getSameOrigin, RedirectRefusedError } from "./redirects.ts";
import type { TokenProvider } from "./token-provider.ts";

/**
 * The longest Retry-After a request waits: twice an allowance's minute. An SSO asking
 * for longer fails the request at once, with its wish in the message.
 */
export const MAX_RETRY_AFTER_MS = 120_000;

/** What {@linkcode createRequest} needs (the client's options). */
export interface RequestOptions {
  baseUrl: string;
  tokens: TokenProvider;
  limiter: RateLimiter;
  timeoutMs: number;
  maxRetries: number;
  /** Cap on a response's decoded size (SCIM_MAX_RESPONSE_BYTES). @default 32 MiB */
  maxResponseBytes?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Counts requests and retries (metrics). */
  onRequest?: (info: { path: string; status: number | "error"; retry: boolean }) => void;
}

/** One GET returning parsed JSON. */
export type ScimGet = (
  path: string,
  query?: Record<string, string>,
  signal?: AbortSignal,
) => Promise<unknown>;

/** One GET's fixed parts, shared by its attempts. */
interface Call {
  path: string;
  url: URL;
  label: string;
  signal?: AbortSignal;
  /** The token was refreshed once after a 401 already. */
  refreshed: boolean;
}

/**
 * Creates the GET the client and the pager use.
 *
 * @example
 * ```ts
 * const get = createRequest({ baseUrl, tokens, limiter, timeoutMs: 30_000, maxRetries: 5 });
 * const json = await get("/Users", { startIndex: "1", count: "100" });
 * ```
 */
export function createRequest(options: RequestOptions): ScimGet {
  const base = options.baseUrl.replace(/\/+$/, "");
  return (path, query = {}, signal) => {
    const url = new URL(`${base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const call: Call = { path, url, label: `GET ${path}${url.search}`, signal, refreshed: false };
    return withRetry((attempt) => attemptGet(options, call, attempt > 0), {
      maxRetries: options.maxRetries,
      signal,
      sleep: options.sleep ?? sleep,
    });
  };
}

/** One attempt; a RetryableError asks withRetry for another. */
async function attemptGet(options: RequestOptions, call: Call, retry: boolean): Promise<unknown> {
  const { path, url, label, signal } = call;
  // The token first: a token request between the slot and the send would delay this request
  // and bring it nearer the next one than the pacing allows (the first of a run, 100+ ms).
  const token = await tokenFor(options.tokens, signal);
  await options.limiter.take(signal);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let res: Response;
  try {
    res = await getSameOrigin(options.fetch ?? fetch, url, {
      label,
      token,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (e) {
    if (e instanceof RedirectRefusedError) throw e;
    throw connectionFailure(options, call, retry, e, reason(e));
  }
  options.onRequest?.({ path, status: res.status, retry });
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  // A page, framed within the cap: parsed from its bytes, with no string of the whole body
  // (a 100,000-user no-op: ~14% less time than text() and JSON.parse, bench/variants.ts).
  if (res.ok && framedWithin(res, maxBytes)) {
    return await parseFramedJson(options, call, res, retry);
  }
  let text: string;
  try {
    text = await readBoundedText(res, maxBytes, label);
  } catch (e) {
    if (e instanceof ResponseTooLargeError) throw e;
    // The connection was cut mid-body.
    throw connectionFailure(options, call, retry, e, `response cut: ${reason(e)}`);
  }
  return classify(options, call, res, text);
}

/** A 2xx body read natively; not JSON is retried as classify() does, a cut body as a cut. */
async function parseFramedJson(
  options: RequestOptions,
  call: Call,
  res: Response,
  retry: boolean,
): Promise<unknown> {
  try {
    return (await res.json()) as unknown;
  } catch (e) {
    if (e instanceof SyntaxError) throw notJson(call, e);
    throw connectionFailure(options, call, retry, e, `response cut: ${reason(e)}`);
  }
}

/** A token, a token endpoint that cannot be reached being worth a retry. */
async function tokenFor(tokens: TokenProvider, signal?: AbortSignal): Promise<string> {
  try {
    return await tokens.get(signal);
  } catch (e) {
    if (e instanceof ConnectionFailedError) throw new RetryableError(e);
    throw e;
  }
}

/** A transport failure: the caller's abort as itself, anything else retried as Connection Failed. */
function connectionFailure(
  options: RequestOptions,
  call: Call,
  retry: boolean,
  e: unknown,
  why: string,
): unknown {
  if (call.signal?.aborted) return call.signal.reason;
  options.onRequest?.({ path: call.path, status: "error", retry });
  return new RetryableError(
    new ConnectionFailedError(call.url.origin + call.url.pathname, why, { cause: e }),
  );
}

/** The answer's JSON, or the error (retryable or not) its status calls for. */
function classify(options: RequestOptions, call: Call, res: Response, text: string): unknown {
  if (res.status === 401 && options.tokens.refreshable && !call.refreshed) {
    call.refreshed = true;
    options.tokens.invalidate();
    throw new RetryableError(httpError(call.label, res.status, text), 0);
  }
  if (res.status === 429 || res.status === 408 || res.status >= 500) {
    const after = parseRetryAfter(res.headers.get("retry-after"), Date.now());
    if (after === null) throw new RetryableError(httpError(call.label, res.status, text));
    if (after > MAX_RETRY_AFTER_MS) {
      // Nothing would be accepted before then: say so now rather than hold the run.
      throw httpError(
        call.label,
        res.status,
        text,
        `the SSO asks to wait ${Math.round(after / 1000)} s (Retry-After), longer than the ${
          MAX_RETRY_AFTER_MS / 1000
        } s a request waits; the next scheduled run tries again`,
      );
    }
    // The pause is the SSO's, for every request of this client (the prefetched page too):
    // the limiter holds them all, and this retry takes its turn there.
    options.limiter.defer(after);
    throw new RetryableError(httpError(call.label, res.status, text), 0);
  }
  if (!res.ok) throw httpError(call.label, res.status, text);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw notJson(call, e);
  }
}

/** A 2xx that is not JSON: retried, since a proxy's error page or a cut body may pass. */
const notJson = (call: Call, e: unknown) =>
  new RetryableError(new ScimResponseError(call.label, "body is not JSON", { cause: e }));

/** The SCIM error message schema (RFC 7644 §3.12). */
const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** An HTTP error with the SCIM error body's detail and scimType when there is one. */
function httpError(label: string, status: number, text: string, note?: string): ScimSyncError {
  let detail: string | undefined;
  let scimType: string | undefined;
  let scimError = false;
  try {
    const body = ScimErrorBody.safeParse(JSON.parse(text));
    if (body.success) {
      detail = body.data.detail;
      scimType = body.data.scimType;
      // Positive proof needs the directory's own error message, with this very status.
      scimError = (body.data.schemas ?? []).includes(ERROR_SCHEMA) &&
        String(body.data.status ?? status) === String(status);
    }
  } catch {
    // Not a SCIM error body; keep the status alone.
  }
  const said = detail?.slice(0, 500);
  return new ScimHttpError(label, status, note ? `${said ? `${said}; ` : ""}${note}` : said, {
    scimType,
    scimError,
  });
}

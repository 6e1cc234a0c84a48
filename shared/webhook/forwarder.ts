/**
 * Forwarding a mapped event to the runner's ingestion API, signed with
 * INGEST_SECRET by the same code that verifies the SSO, retried with
 * exponential backoff and full jitter until one deadline. Past the deadline
 * the edge answers 503 and the SSO's own retries deliver the event later.
 *
 * @module
 */
import { signScimBody } from "../signature.ts";
import { sleep } from "../sleep.ts";
import type { ForwardedEvent } from "../webhook-event.ts";
import { StoredStatus } from "./answers.ts";
import type { ForwardResult } from "./app.ts";

/** Options of {@linkcode createHttpForwarder}. */
export interface HttpForwarderOptions {
  /** OFM_INGEST_URL. */
  url: string;
  /** INGEST_SECRET (the first, when several are configured). */
  secret: string;
  /** Give up after this long in all, attempts and waits included. @default 10000 */
  deadlineMs?: number;
  /** One attempt's limit. @default min(5000, deadlineMs) */
  attemptTimeoutMs?: number;
  /** First backoff ceiling; doubles per attempt. @default 100 */
  retryBaseMs?: number;
  /** Largest backoff ceiling. @default 2000 */
  retryMaxMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /** The wait between attempts (injected with `timeout` by tests, to fake time). @default sleep of shared/sleep.ts */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A signal aborting after `ms`: the deadline and each attempt's limit. @default AbortSignal.timeout */
  timeout?: (ms: number) => AbortSignal;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * A {@linkcode Forward} whose deadline a caller may shorten (the batching
 * forwarder passes what is left of an event's time).
 */
export type HttpForward = (event: ForwardedEvent, withinMs?: number) => Promise<ForwardResult>;

/**
 * POSTs a body to the ingestion API with its `X-SCIM-Signature`.
 *
 * @param doFetch the fetch to use
 * @param url OFM_INGEST_URL
 * @param body the exact JSON text signed
 * @param signature `sha256=<hex>` of `body` under INGEST_SECRET
 * @param signal ends the request
 * @returns the response
 *
 * @example
 * ```ts
 * const res = await postSigned(fetch, url, body, await signScimBody(secret, body), AbortSignal.timeout(5_000));
 * ```
 */
export function postSigned(
  doFetch: typeof fetch,
  url: string,
  body: string,
  signature: string,
  signal: AbortSignal,
): Promise<Response> {
  return doFetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-SCIM-Signature": signature },
    body,
    signal,
  });
}

/** Worth another attempt: the runner is down, overloaded, or timed out. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * What a 2xx answer to a single event says: stored, with its status; an answer
 * naming no known status (or none) is still a stored event.
 *
 * @example
 * ```ts
 * storedAnswer({ status: "duplicate" }); // { ok: true, status: "duplicate" }
 * storedAnswer(null); // { ok: true, status: "success" }
 * ```
 */
export function storedAnswer(json: unknown): ForwardResult {
  const status = json !== null && typeof json === "object" && "status" in json
    ? StoredStatus.safeParse(json.status).data
    : undefined;
  return { ok: true, status: status ?? "success" };
}

/**
 * Creates a forward function for {@linkcode createWebhookApp} that POSTs the
 * event as JSON with `X-SCIM-Signature` to the ingestion API.
 *
 * @param options where, with which secret, and how long to keep trying
 * @returns the forward function; it never throws, a failure is `{ ok: false, reason }`
 * @throws {TypeError} when the url or secret is missing
 * @throws {RangeError} when a duration is not positive
 *
 * @example
 * ```ts
 * const forward = createHttpForwarder({ url: "http://127.0.0.1:5174/api/v1/scim/events", secret, deadlineMs: 10_000 });
 * const app = createWebhookApp({ secrets, forward });
 * ```
 */
export function createHttpForwarder(options: HttpForwarderOptions): HttpForward {
  if (!options.url) throw new TypeError("createHttpForwarder needs a url");
  if (!options.secret) throw new TypeError("createHttpForwarder needs a secret");
  const doFetch = options.fetch ?? fetch;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;
  const timeout = options.timeout ?? ((ms: number) => AbortSignal.timeout(ms));
  const deadlineMs = positive("deadlineMs", options.deadlineMs ?? 10_000);
  const attemptMs = positive(
    "attemptTimeoutMs",
    options.attemptTimeoutMs ?? Math.min(5_000, deadlineMs),
  );
  const baseMs = positive("retryBaseMs", options.retryBaseMs ?? 100);
  const maxMs = positive("retryMaxMs", options.retryMaxMs ?? 2_000);

  return async (event, withinMs = deadlineMs) => {
    const body = JSON.stringify(event);
    const signature = await signScimBody(options.secret, body);
    const deadline = timeout(positive("withinMs", withinMs));
    let reason = "not attempted";
    let attempts = 0;
    while (!deadline.aborted) {
      attempts++;
      try {
        const res = await postSigned(
          doFetch,
          options.url,
          body,
          signature,
          AbortSignal.any([
            deadline,
            timeout(attemptMs),
          ]),
        );
        const answer = (await res.json().catch(() => ({}))) as {
          status?: unknown;
          error?: unknown;
        };
        if (res.ok) return storedAnswer(answer);
        reason = `ingestion answered HTTP ${res.status}${
          typeof answer.error === "string" ? ` (${answer.error})` : ""
        }`;
        // A 400 or 401 will not change on a retry: say so now rather than at the deadline.
        if (!retryable(res.status)) return { ok: false, reason };
      } catch (e) {
        reason = `ingestion unreachable: ${e instanceof Error ? e.name : String(e)}`;
      }
      // Full jitter: edges retrying together after a runner restart do not arrive in step.
      // Cut short at the deadline; the loop then ends.
      await wait(random() * Math.min(maxMs, baseMs * 2 ** (attempts - 1)), deadline).catch(
        () => {},
      );
    }
    return {
      ok: false,
      reason: `${reason}; gave up after ${attempts} attempt(s) within ${withinMs} ms`,
    };
  };
}

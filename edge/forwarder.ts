/**
 * Forwarding a mapped event to the runner's ingestion API, signed with
 * INGEST_SECRET by the same code that verifies the SSO, retried with
 * exponential backoff and full jitter until one deadline. Past the deadline
 * the edge answers 503 and the SSO's own retries deliver the event later.
 *
 * @module
 */
import { signScimBody } from "../shared/signature.ts";
import type { Forward } from "./app.ts";

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
}

/** Waits `ms`, or less when `signal` aborts first; never rejects. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

/** Worth another attempt: the runner is down, overloaded, or timed out. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

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
export function createHttpForwarder(options: HttpForwarderOptions): Forward {
  if (!options.url) throw new TypeError("createHttpForwarder needs a url");
  if (!options.secret) throw new TypeError("createHttpForwarder needs a secret");
  const doFetch = options.fetch ?? fetch;
  const random = options.random ?? Math.random;
  const deadlineMs = positive("deadlineMs", options.deadlineMs ?? 10_000);
  const attemptMs = positive(
    "attemptTimeoutMs",
    options.attemptTimeoutMs ?? Math.min(5_000, deadlineMs),
  );
  const baseMs = positive("retryBaseMs", options.retryBaseMs ?? 100);
  const maxMs = positive("retryMaxMs", options.retryMaxMs ?? 2_000);

  return async (event) => {
    const body = JSON.stringify(event);
    const signature = await signScimBody(options.secret, body);
    const deadline = AbortSignal.timeout(deadlineMs);
    let reason = "not attempted";
    let attempts = 0;
    while (!deadline.aborted) {
      attempts++;
      try {
        const res = await doFetch(options.url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-SCIM-Signature": signature },
          body,
          signal: AbortSignal.any([deadline, AbortSignal.timeout(attemptMs)]),
        });
        const answer = (await res.json().catch(() => ({}))) as {
          status?: unknown;
          error?: unknown;
        };
        if (res.ok) {
          return {
            ok: true,
            status: typeof answer.status === "string" ? answer.status : "success",
          };
        }
        reason = `ingestion answered HTTP ${res.status}${
          typeof answer.error === "string" ? ` (${answer.error})` : ""
        }`;
        // A 400 or 401 will not change on a retry: say so now rather than at the deadline.
        if (!retryable(res.status)) return { ok: false, reason };
      } catch (e) {
        reason = `ingestion unreachable: ${e instanceof Error ? e.name : String(e)}`;
      }
      // Full jitter: edges retrying together after a runner restart do not arrive in step.
      await pause(random() * Math.min(maxMs, baseMs * 2 ** (attempts - 1)), deadline);
    }
    return {
      ok: false,
      reason: `${reason}; gave up after ${attempts} attempt(s) within ${deadlineMs} ms`,
    };
  };
}

/**
 * Forwarding a mapped event to the runner's ingestion API, signed with
 * INGEST_SECRET by the same code that verifies the SSO, retried with
 * exponential backoff and jitter until a deadline.
 *
 * @module
 */
import { signScimBody } from "../shared/signature.ts";
import type { ForwardedEvent } from "../shared/webhook-event.ts";
import type { ForwardResult } from "./app.ts";

/** Options of {@linkcode createHttpForwarder}. */
export interface HttpForwarderOptions {
  url: string;
  secret: string;
  /** Give up after this long in all. @default 10000 */
  deadlineMs?: number;
  fetch?: typeof fetch;
}

/**
 * Creates a forward function for {@linkcode createWebhookApp}.
 *
 * @example
 * ```ts
 * const forward = createHttpForwarder({ url: "http://127.0.0.1:5174/api/v1/scim/events", secret });
 * ```
 */
export function createHttpForwarder(options: HttpForwarderOptions): (event: ForwardedEvent) => Promise<ForwardResult> {
  const doFetch = options.fetch ?? fetch;
  const deadlineMs = options.deadlineMs ?? 10_000;
  return async (event) => {
    const body = JSON.stringify(event);
    const signature = await signScimBody(options.secret, body);
    const deadline = AbortSignal.timeout(deadlineMs);
    let reason = "not attempted";
    for (let attempt = 0; !deadline.aborted; attempt++) {
      try {
        const res = await doFetch(options.url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-SCIM-Signature": signature },
          body,
          signal: AbortSignal.any([deadline, AbortSignal.timeout(Math.min(5_000, deadlineMs))]),
        });
        const answer = await res.json().catch(() => ({})) as { status?: string; error?: string };
        if (res.ok) return { ok: true, status: answer.status ?? "success" };
        reason = `ingestion answered HTTP ${res.status}${answer.error ? ` (${answer.error})` : ""}`;
        // 4xx other than 408/429 will not change on a retry.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) return { ok: false, reason };
      } catch (e) {
        reason = `ingestion unreachable: ${e instanceof Error ? e.name : String(e)}`;
      }
      const ceiling = Math.min(2_000, 100 * 2 ** attempt);
      await new Promise((r) => setTimeout(r, Math.random() * ceiling));
    }
    return { ok: false, reason: `${reason} (deadline ${deadlineMs} ms)` };
  };
}

/**
 * Who sent this webhook: the guide's `X-SCIM-Signature` (or, when configured,
 * the Standard Webhooks headers) over the exact bytes, then the replay window
 * of the body's `timestamp`. Each check says only ok or not; the reason is
 * for the server's log, never for the answer.
 *
 * @module
 */
import { verifyScimSignature } from "../signature.ts";
import { type StandardWebhookHeaders, verifyStandardWebhook } from "../standard-webhooks.ts";

/** Options of {@linkcode verifyWebhookSignature}. */
export interface SignatureOptions {
  /** SCIM_WEBHOOK_SECRET values; several during a rotation. */
  secrets: readonly string[];
  /** `whsec_…` secrets; without them Standard Webhooks headers are ignored. */
  standardSecrets?: readonly string[];
  nowMs: number;
  toleranceSeconds: number;
}

/** A verified request and its idempotency key, or why it is not one. */
export type SignatureCheck =
  | { ok: true; scheme: "scim" | "standard"; idempotencyKey: string }
  | { ok: false; reason: string };

/**
 * Verifies the signature of a request body. A Standard Webhooks request is
 * keyed by `std:<webhook-id>`; a SCIM one by its signature header, used
 * when the body carries no `id`.
 *
 * @param headers the request headers
 * @param body the exact bytes received
 * @param options secrets, clock and tolerance
 * @returns ok with the scheme and key, or a reason to log
 *
 * @example
 * ```ts
 * const check = await verifyWebhookSignature(req.headers, bytes, { secrets, nowMs: Date.now(), toleranceSeconds: 300 });
 * if (!check.ok) return unauthorized();
 * ```
 */
export async function verifyWebhookSignature(
  headers: Headers,
  body: Uint8Array,
  options: SignatureOptions,
): Promise<SignatureCheck> {
  // Without whsec_ secrets the Standard Webhooks headers are ignored: not even looked up.
  const standardSecrets = options.standardSecrets ?? [];
  const standard = standardSecrets.length > 0 ? standardHeaders(headers) : null;
  if (standard) {
    const ok = await verifyStandardWebhook(
      standard,
      body,
      standardSecrets,
      options.nowMs,
      options.toleranceSeconds,
    );
    return ok
      ? { ok: true, scheme: "standard", idempotencyKey: `std:${standard.id}` }
      : { ok: false, reason: "standard webhook signature" };
  }
  const header = headers.get("x-scim-signature");
  if (header === null) return { ok: false, reason: "no X-SCIM-Signature" };
  if (!(await verifyScimSignature(header, body, options.secrets))) {
    return { ok: false, reason: "X-SCIM-Signature mismatch or malformed" };
  }
  return { ok: true, scheme: "scim", idempotencyKey: header };
}

/** The three Standard Webhooks headers, when all are present and non-empty. */
function standardHeaders(headers: Headers): StandardWebhookHeaders | null {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signature = headers.get("webhook-signature");
  return id && timestamp && signature ? { id, timestamp, signature } : null;
}

/**
 * Whether the signed body's `timestamp` lies within ±`toleranceSeconds` of
 * now (both directions: a clock ahead is no excuse for a replay). A body
 * without one passes unless `requireTimestamp`.
 *
 * @param timestamp the envelope's ISO timestamp, if any
 * @param nowMs the current time
 * @param toleranceSeconds the window, each side
 * @param requireTimestamp refuse bodies without a timestamp
 * @returns true when the body may be processed
 *
 * @example
 * ```ts
 * withinReplayWindow("2025-10-18T10:30:00Z", Date.parse("2025-10-18T10:36:00Z"), 300, false); // false
 * ```
 */
export function withinReplayWindow(
  timestamp: string | undefined,
  nowMs: number,
  toleranceSeconds: number,
  requireTimestamp: boolean,
): boolean {
  if (timestamp === undefined) return !requireTimestamp;
  const at = Date.parse(timestamp);
  return Number.isFinite(at) && Math.abs(nowMs - at) <= toleranceSeconds * 1000;
}

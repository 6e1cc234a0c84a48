/**
 * The Standard Webhooks scheme (standardwebhooks.com), for directories that
 * sign that way: headers `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` (space-separated `v1,<base64>`), the HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` under a `whsec_<base64>` secret. WebCrypto only.
 *
 * @module
 */

const encoder = new TextEncoder();

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> | null {
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

function bytesToBase64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

async function key(secret: string): Promise<CryptoKey> {
  const raw = base64ToBytes(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  if (!raw || raw.length === 0) throw new TypeError("a Standard Webhooks secret is whsec_ followed by base64");
  return await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function signedContent(id: string, timestamp: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix);
  out.set(body, prefix.length);
  return out;
}

/** The three headers, when a request carries them. */
export interface StandardWebhookHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

/**
 * Signs as a Standard Webhooks sender: the value of `webhook-signature`.
 *
 * @example
 * ```ts
 * await signStandardWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", "1614265330", body); // "v1,…"
 * ```
 */
export async function signStandardWebhook(secret: string, id: string, timestamp: string, body: Uint8Array | string): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const mac = await crypto.subtle.sign("HMAC", await key(secret), signedContent(id, timestamp, bytes));
  return `v1,${bytesToBase64(mac)}`;
}

/**
 * Whether any `v1,` signature in the header matches under any secret, and the
 * timestamp lies within `toleranceSeconds` of `nowMs`. Malformed input is false.
 *
 * @throws {TypeError} when no secret is given or a secret is not base64
 *
 * @example
 * ```ts
 * const ok = await verifyStandardWebhook({ id, timestamp, signature }, bytes, [secret], Date.now());
 * ```
 */
export async function verifyStandardWebhook(
  headers: StandardWebhookHeaders,
  body: Uint8Array,
  secrets: readonly string[],
  nowMs: number,
  toleranceSeconds = 300,
): Promise<boolean> {
  if (secrets.length === 0) throw new TypeError("at least one secret is required");
  if (!/^\d{1,12}$/.test(headers.timestamp) || headers.id.length === 0 || headers.id.length > 256) return false;
  if (Math.abs(nowMs / 1000 - Number(headers.timestamp)) > toleranceSeconds) return false;
  const candidates = headers.signature.split(" ")
    .map((part) => /^v1,([A-Za-z0-9+/]+={0,2})$/.exec(part)?.[1])
    .map((b64) => (b64 ? base64ToBytes(b64) : null))
    .filter((b): b is Uint8Array<ArrayBuffer> => b !== null && b.length === 32);
  if (candidates.length === 0) return false;
  const content = signedContent(headers.id, headers.timestamp, body);
  let ok = false;
  for (const secret of secrets) {
    const k = await key(secret);
    for (const sig of candidates) ok = (await crypto.subtle.verify("HMAC", k, sig, content)) || ok;
  }
  return ok;
}

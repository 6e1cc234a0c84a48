/**
 * The Standard Webhooks scheme (standardwebhooks.com), for directories that
 * sign that way: headers `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` (space-separated `v1,<base64>`), the HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` under a `whsec_<base64>` secret. WebCrypto only;
 * `crypto.subtle.verify` does the constant-time compare.
 *
 * @module
 */

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) return null;
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

/**
 * The key bytes of a Standard Webhooks secret: base64, with or without the
 * `whsec_` prefix (the reference libraries accept both).
 *
 * @param secret `whsec_<base64>` or the bare base64
 * @returns the decoded key
 * @throws {TypeError} when the secret is empty or not base64
 *
 * @example Checking a secret at start
 * ```ts
 * standardWebhookKeyBytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").length; // 24
 * ```
 */
export function standardWebhookKeyBytes(secret: string): Uint8Array<ArrayBuffer> {
  const raw = typeof secret === "string"
    ? base64ToBytes(secret.startsWith("whsec_") ? secret.slice(6) : secret)
    : null;
  if (!raw || raw.length === 0) {
    throw new TypeError("a Standard Webhooks secret is whsec_ followed by base64");
  }
  return raw;
}

function hmacKey(secret: string): Promise<CryptoKey> {
  // importKey costs more than the HMAC of a small body: one key per secret.
  let key = keys.get(secret);
  if (!key) {
    const raw = standardWebhookKeyBytes(secret);
    key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    key.catch(() => keys.delete(secret));
    keys.set(secret, key);
  }
  return key;
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
  /** Unix seconds, as sent. */
  timestamp: string;
  /** Space-separated `v1,<base64>` signatures. */
  signature: string;
}

/**
 * Signs as a Standard Webhooks sender: the value of `webhook-signature`.
 *
 * @param secret `whsec_<base64>`
 * @param id the `webhook-id`
 * @param timestamp the `webhook-timestamp` (Unix seconds)
 * @param body the exact bytes sent (a string is UTF-8 encoded)
 * @returns `v1,<base64 HMAC-SHA256>`
 * @throws {TypeError} when the secret is not base64
 *
 * @example The published test vector
 * ```ts
 * await signStandardWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", '{"test": 2432232314}');
 * // "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
 * ```
 */
export async function signStandardWebhook(
  secret: string,
  id: string,
  timestamp: string,
  body: Uint8Array | string,
): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    signedContent(id, timestamp, bytes),
  );
  return `v1,${bytesToBase64(mac)}`;
}

/**
 * Whether any `v1,` signature in the header matches under any secret, and the
 * timestamp lies within `toleranceSeconds` of `nowMs`, both directions.
 * Malformed headers are `false`, never an exception.
 *
 * @param headers the three headers as received
 * @param body the exact bytes received
 * @param secrets `whsec_…` secrets; several during a rotation
 * @param nowMs the current time (injected so tests fake it)
 * @param toleranceSeconds allowed clock skew @default 300
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
  if (secrets.length === 0) {
    throw new TypeError("at least one Standard Webhooks secret is required");
  }
  const keyList = await Promise.all(secrets.map(hmacKey));
  if (!/^\d{1,12}$/.test(headers.timestamp) || headers.id.length === 0 || headers.id.length > 256) {
    return false;
  }
  if (Math.abs(nowMs / 1000 - Number(headers.timestamp)) > toleranceSeconds) return false;
  const candidates = headers.signature.split(" ")
    .map((part) => (part.startsWith("v1,") ? base64ToBytes(part.slice(3)) : null))
    .filter((b): b is Uint8Array<ArrayBuffer> => b !== null && b.length === 32);
  if (candidates.length === 0) return false;
  const content = signedContent(headers.id, headers.timestamp, body);
  let ok = false;
  // Every pair is tried, so the time taken does not tell which one matched.
  for (const key of keyList) {
    for (const sig of candidates) {
      ok = (await crypto.subtle.verify("HMAC", key, sig, content)) || ok;
    }
  }
  return ok;
}

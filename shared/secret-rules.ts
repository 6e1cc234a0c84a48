/**
 * The one length rule for every shared secret the project reads (webhook and
 * ingestion HMAC keys, the admin token): at least 16 bytes of UTF-8, so a
 * short value is a configuration error at start, not a weak key in production.
 *
 * @module
 */

/** The shortest secret accepted, in bytes (128 bits). */
export const MIN_SECRET_BYTES = 16;

/**
 * The UTF-8 length of `secret` in bytes.
 *
 * @example
 * ```ts
 * secretByteLength("é"); // 2
 * ```
 */
export function secretByteLength(secret: string): number {
  return new TextEncoder().encode(secret).byteLength;
}

/**
 * True when `secret` is long enough to be used as a key or token.
 *
 * @example
 * ```ts
 * isLongEnoughSecret("0123456789abcdef"); // true
 * isLongEnoughSecret("s3cret"); // false
 * ```
 */
export function isLongEnoughSecret(secret: string): boolean {
  return secretByteLength(secret) >= MIN_SECRET_BYTES;
}

/**
 * The message for a secret that is too short; names the variable, never the value.
 *
 * @example
 * ```ts
 * shortSecretMessage("ADMIN_TOKEN"); // "ADMIN_TOKEN must be at least 16 bytes (openssl rand -hex 32)"
 * ```
 */
export function shortSecretMessage(variable: string): string {
  return `${variable} must be at least ${MIN_SECRET_BYTES} bytes (openssl rand -hex 32)`;
}

/** How every placeholder secret of `.env.example` begins. */
export const PLACEHOLDER_PREFIX = "replace-with-";

/**
 * True when `secret` is still a placeholder of `.env.example`
 * (`replace-with-openssl-rand-hex-32-output`): long enough to pass the length
 * rule, public in the repository, so never a secret.
 *
 * @example
 * ```ts
 * isPlaceholderSecret("replace-with-another-openssl-rand-hex-32"); // true
 * ```
 */
export function isPlaceholderSecret(secret: string): boolean {
  return secret.trim().toLowerCase().startsWith(PLACEHOLDER_PREFIX);
}

/**
 * The message for a placeholder secret; names the variable, never the value.
 *
 * @example
 * ```ts
 * placeholderSecretMessage("INGEST_SECRET");
 * ```
 */
export function placeholderSecretMessage(variable: string): string {
  return `${variable} is still the placeholder from .env.example: set a secret of your own (openssl rand -hex 32)`;
}

/** The client secret of the development SSO and the demo, as `.env.example` has it. */
export const DEMO_CLIENT_SECRET = "dev-secret-change-me";

/**
 * True when `url` points at this machine (`localhost`, `127.0.0.0/8`, `[::1]`):
 * the development SSO of the demo and the tests.
 *
 * @example
 * ```ts
 * isLoopbackUrl("http://127.0.0.1:5173/scim/v2/token"); // true
 * isLoopbackUrl("https://sso.example.com/scim/v2/token"); // false
 * ```
 */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

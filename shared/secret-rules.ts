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

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) against the SSO's token
 * endpoint (the client in the form as in the guide's curl, or HTTP Basic:
 * SCIM_TOKEN_AUTH); or a static bearer token.
 * The token is cached until shortly before `expires_in`, concurrent callers
 * share one request (token-request.ts), and it is fetched again once when the
 * SCIM API answers 401. A server that gives no usable `expires_in` (absent, 0,
 * negative, not a number) gets {@linkcode DEFAULT_TOKEN_LIFETIME_SECONDS}: a
 * token that dies sooner costs one 401 and a refetch, never a failed run.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { TokenClient } from "./token-auth.ts";
import { requestToken } from "./token-request.ts";

export { reason } from "./fetch-failure.ts";

/** The lifetime assumed when the token answer has no usable `expires_in`: one hour. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

export interface TokenProvider {
  /** A valid access token, from cache when it has at least the margin left. */
  get(signal?: AbortSignal): Promise<string>;
  /** Forget the cached token (after a 401). */
  invalidate(): void;
  /** Whether invalidate() can help (false for a static token). */
  readonly refreshable: boolean;
}

/** Options of {@linkcode createTokenProvider}. */
export interface TokenProviderOptions {
  auth: Config["auth"];
  tokenUrl: string;
  timeoutMs: number;
  /** Cap on the answer's decoded size (SCIM_MAX_RESPONSE_BYTES). @default 32 MiB */
  maxResponseBytes?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Refetch this long before expiry. @default 30000 */
  marginMs?: number;
}

/**
 * Creates the token provider for the configured auth.
 *
 * @example
 * ```ts
 * const tokens = createTokenProvider({ auth: config.auth, tokenUrl: config.tokenUrl, timeoutMs: 10_000 });
 * const token = await tokens.get();
 * ```
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const { auth } = options;
  if (auth.kind === "bearer") {
    return { get: () => Promise.resolve(auth.token), invalidate() {}, refreshable: false };
  }
  const credentials: TokenClient = auth;
  const now = options.now ?? Date.now;
  const margin = options.marginMs ?? 30_000;
  let cached: { token: string; expiresAt: number } | null = null;
  let inflight: Promise<string> | null = null;

  async function fetchToken(signal?: AbortSignal): Promise<string> {
    const granted = await requestToken(options, credentials, signal);
    const ttlMs = (granted.expires_in ?? DEFAULT_TOKEN_LIFETIME_SECONDS) * 1000;
    cached = {
      token: granted.access_token,
      expiresAt: now() + Math.max(ttlMs - margin, ttlMs / 2),
    };
    return granted.access_token;
  }

  return {
    refreshable: true,
    get(signal) {
      if (cached && now() < cached.expiresAt) return Promise.resolve(cached.token);
      // Concurrent callers share one token request.
      inflight ??= fetchToken(signal).finally(() => {
        inflight = null;
      });
      return inflight;
    },
    invalidate() {
      cached = null;
    },
  };
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) against the SSO's token
 * endpoint, form-encoded as in the guide's curl; or a static bearer token.
 * The token is cached until shortly before `expires_in` and fetched again
 * once when the SCIM API answers 401. The request never follows a redirect
 * (the client secret would be re-sent to the new address) and its answer is
 * read with the same cap on decoded bytes as every SCIM response.
 *
 * @module
 */
import { z } from "zod";
import { AccessTokenError, ConnectionFailedError } from "../../shared/errors.ts";
import type { Config } from "../config.ts";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  readBoundedText,
  ResponseTooLargeError,
} from "./bounded-body.ts";
import { isRedirect, RedirectRefusedError, redirectTarget, shownUrl } from "./redirects.ts";

const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

const OAuthError = z.looseObject({
  error: z.string().optional(),
  error_description: z.string().optional(),
});

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
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const margin = options.marginMs ?? 30_000;
  let cached: { token: string; expiresAt: number } | null = null;
  let inflight: Promise<string> | null = null;

  async function fetchToken(signal?: AbortSignal): Promise<string> {
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: auth.kind === "client_credentials" ? auth.clientId : "",
      client_secret: auth.kind === "client_credentials" ? auth.clientSecret : "",
    });
    const timeout = AbortSignal.timeout(options.timeoutMs);
    let res: Response;
    try {
      res = await doFetch(options.tokenUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body,
        // Following a 307/308 would post the client secret to wherever the Location points.
        redirect: "manual",
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      // Unreachable is the guide's "Connection Failed", not a credentials problem.
      throw new ConnectionFailedError(options.tokenUrl, reason(e), { cause: e });
    }
    if (isRedirect(res.status)) {
      await res.body?.cancel().catch(() => {});
      const where = shownUrl(redirectTarget(res, new URL(options.tokenUrl)));
      throw new RedirectRefusedError(
        "POST of the token request",
        res.status,
        where,
        "a token request never follows redirects",
      );
    }
    let text = "";
    try {
      text = await readBoundedText(
        res,
        options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        "POST of the token request",
      );
    } catch (e) {
      if (e instanceof ResponseTooLargeError) throw e;
      if (signal?.aborted) throw signal.reason;
    }
    const json = safeJson(text);
    if (!res.ok) {
      const err = OAuthError.safeParse(json);
      const why = err.success ? (err.data.error_description ?? err.data.error) : undefined;
      throw new AccessTokenError(
        res.status,
        why ?? "the token endpoint refused the client credentials",
      );
    }
    const parsed = TokenResponse.safeParse(json);
    if (!parsed.success) {
      throw new AccessTokenError(res.status, "the token response has no access_token");
    }
    const ttlMs = (parsed.data.expires_in ?? 3600) * 1000;
    cached = {
      token: parsed.data.access_token,
      expiresAt: now() + Math.max(ttlMs - margin, ttlMs / 2),
    };
    return parsed.data.access_token;
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A short reason of a fetch failure, without URLs' query strings or secrets. */
export function reason(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (e.name === "TimeoutError") return "timed out";
    return typeof code === "string" ? code : e.message.slice(0, 200);
  }
  return String(e).slice(0, 200);
}

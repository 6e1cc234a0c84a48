/**
 * One OAuth 2.0 client-credentials token request (RFC 6749 section 4.4),
 * the client presented in the form (as in the guide's curl) or as HTTP Basic
 * (token-auth.ts, SCIM_TOKEN_AUTH). It never follows a redirect (the
 * client secret would be re-sent to the new address) and its answer is read
 * with the same cap on decoded bytes as every SCIM response.
 *
 * @module
 */
import { z } from "zod";
import { AccessTokenError, ConnectionFailedError } from "../../shared/errors.ts";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  readBoundedText,
  ResponseTooLargeError,
} from "./bounded-body.ts";
import { reason } from "./fetch-failure.ts";
import { isRedirect, RedirectRefusedError, redirectTarget, shownUrl } from "./redirects.ts";
import { type TokenClient, tokenRequestParts } from "./token-auth.ts";

/**
 * `expires_in` as a lifetime in seconds, or undefined when the server gave none
 * that can be used: absent, 0, negative, not a number. RFC 6749 §5.1 makes it
 * only RECOMMENDED, and servers send `0`, `"3600"` or `null`; the provider
 * then uses its default lifetime (token-provider.ts) and refetches on a 401.
 */
const ExpiresIn = z.preprocess(
  (v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v),
  z.number().positive().finite(),
).optional().catch(undefined);

/** The token endpoint's answer (RFC 6749 section 5.1). */
export const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: ExpiresIn,
});

export type TokenResponse = z.infer<typeof TokenResponse>;

const OAuthError = z.looseObject({
  error: z.string().optional(),
  error_description: z.string().optional(),
});

/** Where and how to ask (the token provider's options). */
export interface TokenRequestOptions {
  tokenUrl: string;
  timeoutMs: number;
  /** Cap on the answer's decoded size (SCIM_MAX_RESPONSE_BYTES). @default 32 MiB */
  maxResponseBytes?: number;
  fetch?: typeof fetch;
}

/**
 * One client-credentials token request: form-encoded POST (the client in the
 * form or as HTTP Basic, per `auth.method`), no redirect
 * followed, the answer read with the cap on decoded bytes and parsed.
 *
 * @throws {ConnectionFailedError} when the endpoint cannot be reached
 * @throws {AccessTokenError} when it refuses the credentials or answers without a token
 * @throws {RedirectRefusedError} when it answers with a redirect
 * @example
 * ```ts
 * const { access_token } = await requestToken(options, config.auth);
 * ```
 */
export async function requestToken(
  options: TokenRequestOptions,
  auth: TokenClient,
  signal?: AbortSignal,
): Promise<TokenResponse> {
  const res = await postTokenRequest(options, auth, signal);
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
  if (!parsed.success) throw new AccessTokenError(res.status, whatIsWrong(json, res, text));
  return parsed.data;
}

/**
 * Why a 2xx token answer carries no usable token, in words an operator can
 * act on; never the body itself (it may hold a token or a secret).
 */
function whatIsWrong(json: unknown, res: Response, text: string): string {
  if (json === undefined) {
    const type = res.headers.get("content-type") ?? "no Content-Type";
    return `the token response is not JSON (${type}, ${text.length} characters); ` +
      "is SCIM_TOKEN_URL the token endpoint?";
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return "the token response is not a JSON object";
  }
  if (!("access_token" in json)) {
    const keys = Object.keys(json).slice(0, 10).join(", ") || "none";
    return `the token response has no access_token (its fields: ${keys})`;
  }
  const token = (json as { access_token: unknown }).access_token;
  if (typeof token !== "string") {
    return `the token response's access_token is ${
      token === null ? "null" : `a ${typeof token}`
    }, not a string`;
  }
  return "the token response's access_token is empty";
}

/** The POST itself; a redirect is refused, not followed. */
async function postTokenRequest(
  options: TokenRequestOptions,
  auth: TokenClient,
  signal?: AbortSignal,
): Promise<Response> {
  const { body, headers } = tokenRequestParts(auth);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(options.tokenUrl, {
      method: "POST",
      headers,
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
  return res;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

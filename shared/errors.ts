/**
 * Typed errors shared by the edge and the runner. Each has a stable `code`
 * (for logs, metrics and `stats.errors`) and a message a person can act on;
 * where the integration guide prints a message, the message is those words.
 *
 * Messages never carry secrets or tokens: callers pass only statuses, SCIM
 * `detail` strings and names of variables.
 *
 * @module
 */

/** Stable machine-readable codes, one per condition a caller may handle. */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "CREDENTIALS_MISSING"
  | "TOKEN_FAILED"
  | "CONNECTION_FAILED"
  | "SCIM_HTTP_ERROR"
  | "SCIM_RESPONSE_INVALID"
  | "RESOURCE_INVALID"
  | "STORE_UNAVAILABLE"
  | "STORE_DUPLICATE_KEY"
  | "STORE_FAILED"
  | "GUARD_ABORTED"
  | "SYNC_INTERRUPTED"
  | "SCIM_RESPONSE_TOO_LARGE"
  | "SCIM_REDIRECT_REFUSED"
  | "SCIM_LISTING_RUNAWAY"
  | "SYNC_DEADLINE"
  | "PURGE_REFUSED"
  | "GATE_BUSY"
  | "DIRECTORY_UNPROVEN"
  | "PREVIEW_CANCELLED"
  | "LEASE_LOST"
  | "RUN_UNRESPONSIVE";

/**
 * Base class: every error this project throws on purpose.
 *
 * @example Catching by code
 * ```ts
 * try { await sync(); } catch (e) {
 *   if (e instanceof ScimSyncError && e.code === "TOKEN_FAILED") alertOps(e.message);
 * }
 * ```
 */
export class ScimSyncError extends Error {
  /** Stable code; never changes once released. */
  readonly code: ErrorCode;
  /** HTTP status involved, when there was one. */
  readonly status?: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options?.status !== undefined) this.status = options.status;
  }
}

/**
 * A variable is missing or malformed. `variable` names it; the message says what to do.
 *
 * @example
 * ```ts
 * throw new ConfigError("SSO_BASE_URL", "SSO_BASE_URL must be a URL, e.g. http://localhost:5173");
 * ```
 */
export class ConfigError extends ScimSyncError {
  readonly variables: readonly string[];
  constructor(variables: string | readonly string[], message: string) {
    const list = typeof variables === "string" ? [variables] : variables;
    const code = list.includes("SCIM_CLIENT_ID") || list.includes("SCIM_CLIENT_SECRET")
      ? "CREDENTIALS_MISSING"
      : "CONFIG_INVALID";
    super(code, message);
    this.variables = list;
  }
}

/** The brief's words for missing SCIM credentials. */
export const CREDENTIALS_MISSING_MESSAGE = "SCIM_CLIENT_ID and SCIM_CLIENT_SECRET must be set";

/**
 * The token endpoint refused the client or could not be reached.
 * Message: the brief's "Failed to get access token", then the status and the reason.
 *
 * @example
 * ```ts
 * throw new AccessTokenError(401, "invalid_client");
 * // Failed to get access token: HTTP 401 (invalid_client)
 * ```
 */
export class AccessTokenError extends ScimSyncError {
  constructor(status: number | undefined, reason: string, options?: { cause?: unknown }) {
    const where = status === undefined ? "" : `: HTTP ${status}`;
    super("TOKEN_FAILED", `Failed to get access token${where} (${reason})`, {
      cause: options?.cause,
      status,
    });
  }
}

/**
 * The SSO could not be reached at all (refused, reset, DNS, timeout).
 *
 * @example
 * ```ts
 * throw new ConnectionFailedError("http://localhost:5173/scim/v2/Users", "ECONNREFUSED");
 * ```
 */
export class ConnectionFailedError extends ScimSyncError {
  readonly url: string;
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super("CONNECTION_FAILED", `Connection Failed: ${url} (${reason})`, { cause: options?.cause });
    this.url = url;
  }
}

/**
 * The SSO answered with an HTTP error; `detail` is the SCIM error's `detail` when it sent one.
 *
 * @example
 * ```ts
 * throw new ScimHttpError("GET /Users", 500, "database unavailable");
 * ```
 */
export class ScimHttpError extends ScimSyncError {
  readonly detail?: string;
  readonly scimType?: string;
  /**
   * The body was a SCIM error (RFC 7644 §3.12: `schemas` names the Error message and its
   * `status` is this status). Only such an answer is the directory speaking: a 404 page from
   * a proxy or a wrong address is not proof that a resource is gone.
   */
  readonly scimError: boolean;
  constructor(
    request: string,
    status: number,
    detail?: string,
    options?: { scimType?: string; cause?: unknown; scimError?: boolean },
  ) {
    const tail = detail ? `: ${detail}` : "";
    super("SCIM_HTTP_ERROR", `SCIM request ${request} failed with HTTP ${status}${tail}`, {
      status,
      cause: options?.cause,
    });
    if (detail !== undefined) this.detail = detail;
    if (options?.scimType !== undefined) this.scimType = options.scimType;
    this.scimError = options?.scimError === true;
  }
}

/**
 * Whether an error is the directory's own answer that a resource does not exist: HTTP 404
 * with a SCIM error body. Anything else — an HTML 404, an empty one, a timeout — proves nothing.
 *
 * @example
 * ```ts
 * isScimNotFound(new ScimHttpError("GET /Users/u1", 404, "not found", { scimError: true })); // true
 * isScimNotFound(new ScimHttpError("GET /Users/u1", 404)); // false (no SCIM error body)
 * ```
 */
export function isScimNotFound(e: unknown): boolean {
  return e instanceof ScimHttpError && e.status === 404 && e.scimError;
}

/**
 * The SSO answered 2xx with a body that is not what SCIM promises (broken JSON,
 * a ListResponse without `Resources`…). The whole page is unusable.
 *
 * @example
 * ```ts
 * throw new ScimResponseError("GET /Users?startIndex=201", "body is not JSON");
 * ```
 */
export class ScimResponseError extends ScimSyncError {
  constructor(request: string, reason: string, options?: { cause?: unknown }) {
    super("SCIM_RESPONSE_INVALID", `SCIM response to ${request} is invalid: ${reason}`, options);
  }
}

/** The brief's words for any webhook signature failure. */
export const INVALID_SIGNATURE_MESSAGE = "Invalid webhook signature";

/**
 * Admin authentication for the status page and the sync trigger: `ADMIN_TOKEN`
 * as a Bearer token, or as the password of HTTP Basic with any user name (so
 * a browser's own login prompt works and the page's form needs no script).
 *
 * Required whenever the server listens beyond loopback, and whenever a token
 * is set: setting one means the operator wants it checked.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ConfigError } from "../../shared/errors.ts";

/**
 * True when `host` only accepts connections from this machine.
 *
 * @example
 * ```ts
 * isLoopbackHost("127.0.0.1"); // true
 * isLoopbackHost("0.0.0.0"); // false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h.replace(/^::ffff:/, ""));
  return v4 !== null && v4.slice(1).every((n) => Number(n) <= 255);
}

/**
 * Refuses to start an unauthenticated admin surface beyond loopback.
 *
 * @throws {ConfigError} when HOST is not loopback and ADMIN_TOKEN is unset
 * @example
 * ```ts
 * assertAdminAuthConfig({ host: "0.0.0.0", adminToken: null }); // throws ConfigError
 * ```
 */
export function assertAdminAuthConfig(config: { host: string; adminToken: string | null }): void {
  if (!isLoopbackHost(config.host) && !config.adminToken) {
    throw new ConfigError(
      "ADMIN_TOKEN",
      `ADMIN_TOKEN must be set when HOST (${config.host}) is not a loopback address: ` +
        "the sync page and trigger would be open to the network",
    );
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Compares two secrets in constant time (digests first, so lengths leak nothing).
 *
 * @example
 * ```ts
 * safeEqual("s3cret", "s3cret"); // true
 * ```
 */
export function safeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The credential of an Authorization header: Bearer token, or Basic password.
 *
 * @example
 * ```ts
 * presentedToken("Basic " + btoa("admin:s3cret")); // "s3cret"
 * ```
 */
export function presentedToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
  if (!m) return null;
  if (m[1]!.toLowerCase() === "bearer") return m[2]!;
  let decoded: string;
  try {
    decoded = atob(m[2]!);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  return colon === -1 ? null : decoded.slice(colon + 1);
}

/**
 * Middleware guarding admin routes. With no token on loopback it lets
 * everything through; otherwise a missing or wrong credential is a 401 with
 * a Basic challenge (the browser then asks for it).
 *
 * @example
 * ```ts
 * app.use("/modules/*", adminAuth({ host: "0.0.0.0", adminToken: "s3cret" }));
 * ```
 */
export function adminAuth(config: { host: string; adminToken: string | null }): MiddlewareHandler {
  assertAdminAuthConfig(config);
  const token = config.adminToken;
  return async (c, next) => {
    if (token === null) return next();
    const given = presentedToken(c.req.header("authorization"));
    if (given !== null && safeEqual(given, token)) return next();
    return c.json(
      { error: "Unauthorized: ADMIN_TOKEN required (Bearer, or Basic with any user name)" },
      401,
      {
        "WWW-Authenticate": 'Basic realm="scim-sync", charset="UTF-8"',
      },
    );
  };
}

/**
 * Middleware refusing cross-site requests to state-changing routes: a page
 * elsewhere must not make a logged-in browser start syncs (Basic credentials
 * are sent automatically, and on loopback there may be none at all).
 *
 * @example
 * ```ts
 * app.post("/api/v1/scim/sync", sameOrigin(), handler);
 * ```
 */
export function sameOrigin(): MiddlewareHandler {
  return async (c, next) => {
    const site = c.req.header("sec-fetch-site");
    const origin = c.req.header("origin");
    const own = new URL(c.req.url);
    const hostHeader = c.req.header("host");
    const sameHost = (o: string) => {
      try {
        const u = new URL(o);
        return u.host === own.host || (hostHeader !== undefined && u.host === hostHeader);
      } catch {
        return false;
      }
    };
    if (
      site === "cross-site" || (origin !== undefined && origin !== "null" && !sameHost(origin)) ||
      origin === "null"
    ) {
      return c.json({ error: "Cross-site request refused" }, 403);
    }
    return next();
  };
}

/**
 * DNS-rebinding defence for a runner without ADMIN_TOKEN. Such a runner
 * listens on loopback only, but a page on `rebind.attacker.example` whose
 * name is re-pointed at 127.0.0.1 reaches it from the victim's browser as
 * same-origin; what gives it away is the `Host` (and `Origin`) it sends. So
 * without a token every request must name a loopback host — `localhost`,
 * `127.0.0.1` or `[::1]` — on the runner's own port, and a state-changing
 * request carrying an `Origin` must come from such an origin. Anything else
 * is a 403 before any work. With a token set the token does this job.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** A Host header is a host name or address and a port: nothing that could smuggle a path or user. */
const HOST_SYNTAX = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * True when `host` (a `Host` header, or an origin's host) names loopback on `port`.
 * An absent port means 80; a null `port` (not yet known) accepts any port.
 *
 * @param host e.g. `localhost:5174`, `[::1]:5174`
 * @param port the port the runner listens on, or null when unknown
 * @returns whether the runner should answer
 *
 * @example
 * ```ts
 * isLoopbackAuthority("localhost:5174", 5174); // true
 * isLoopbackAuthority("rebind.attacker.example:5174", 5174); // false
 * isLoopbackAuthority("127.0.0.1:8080", 5174); // false
 * ```
 */
export function isLoopbackAuthority(host: string, port: number | null): boolean {
  const m = HOST_SYNTAX.exec(host.trim());
  if (!m || !LOOPBACK_NAMES.has(m[1]!.toLowerCase())) return false;
  if (port === null) return true;
  return (m[2] === undefined ? 80 : Number(m[2].slice(1))) === port;
}

/** True when an `Origin` header is an http(s) origin on loopback and `port`. */
function isLoopbackOrigin(origin: string, port: number | null): boolean {
  const m = /^https?:\/\/([^/?#]+)$/i.exec(origin.trim());
  return m !== null && isLoopbackAuthority(m[1]!, port);
}

/** Options of {@linkcode loopbackHostOnly}. */
export interface LoopbackHostOptions {
  /** ADMIN_TOKEN; when set, the check is off (the token protects the admin routes). */
  adminToken: string | null;
  /** The port the server listens on; null until known (then any port passes). */
  port: () => number | null;
}

/**
 * Middleware refusing requests whose `Host` (or, for POST and the like,
 * `Origin`) is not loopback on the runner's port, when no ADMIN_TOKEN is set.
 *
 * @param options the admin token and the listening port
 * @returns a middleware answering 403 to a foreign host
 *
 * @example
 * ```ts
 * let port: number | null = null;
 * app.use("*", loopbackHostOnly({ adminToken: null, port: () => port }));
 * port = Bun.serve({ hostname: "127.0.0.1", port: 5174, fetch: app.fetch }).port;
 * ```
 */
export function loopbackHostOnly(options: LoopbackHostOptions): MiddlewareHandler {
  return async (c, next) => {
    if (options.adminToken !== null) return next();
    const port = options.port();
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    const origin = c.req.header("origin");
    const originOk = SAFE_METHODS.has(c.req.method) || origin === undefined ||
      isLoopbackOrigin(origin, port);
    if (isLoopbackAuthority(host, port) && originOk) return next();
    return c.json({
      error:
        "Host not allowed: without ADMIN_TOKEN the runner answers only to localhost, 127.0.0.1 " +
        "or [::1] on its own port. Set ADMIN_TOKEN to serve it under another name.",
    }, 403);
  };
}

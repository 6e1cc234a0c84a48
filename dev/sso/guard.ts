/**
 * What stands in front of every SCIM request but the token endpoint, in the
 * order a real server applies it: bearer authentication (401 with a
 * `WWW-Authenticate` challenge), the per-client request allowance
 * (allowance.ts: 429 with Retry-After and a SCIM error body), then the injected faults (delay, status, 429). Body faults
 * are handed on to the route in `c.get("fired")`.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { Allowance } from "./allowance.ts";
import type { TokenIssuer } from "./auth.ts";
import { type Faults, requestShape } from "./faults.ts";
import { scimError, type SsoEnv } from "./scim-http.ts";

export interface GuardDeps {
  tokens: TokenIssuer;
  allowance: Allowance;
  faults: Faults;
  maxResults: number;
  /** Counters the stats report. */
  counters: { rateLimited: number };
}

/**
 * The middleware, for `app.use("/scim/v2/*", …)`.
 *
 * @example
 * ```ts
 * app.use("/scim/v2/*", scimGuard({ tokens, allowance, faults, maxResults: 1000, counters: { rateLimited: 0 } }));
 * ```
 */
export function scimGuard(deps: GuardDeps): MiddlewareHandler<SsoEnv> {
  return async (c, next) => {
    if (c.req.path === "/scim/v2/token") return next();
    const auth = deps.tokens.verify(c.req.header("authorization"));
    if (!auth.ok) {
      // RFC 6750 §3: no error code when no credentials were sent; invalid_token otherwise.
      const challenge = auth.reason === "missing"
        ? 'Bearer realm="scim"'
        : 'Bearer realm="scim", error="invalid_token"';
      const detail = auth.reason === "expired"
        ? "Access token expired"
        : "Authorization failure: missing or invalid bearer token";
      return scimError(401, detail, undefined, { "WWW-Authenticate": challenge });
    }
    const retryAfter = deps.allowance.hit(auth.clientId);
    if (retryAfter !== null) {
      deps.counters.rateLimited++;
      return scimError(
        429,
        `Too many requests: the allowance is ${deps.allowance.requests} in ${
          deps.allowance.windowMs / 1000
        } s`,
        undefined,
        { "Retry-After": String(retryAfter) },
      );
    }
    const fired = deps.faults.take(
      requestShape(c.req.method, c.req.path, c.req.query(), deps.maxResults),
    );
    if (fired.delayMs) await new Promise((r) => setTimeout(r, fired.delayMs));
    if (fired.fail?.status === 429) {
      return scimError(429, "Too many requests (injected)", undefined, {
        "Retry-After": String(fired.fail.retryAfter ?? 1),
      });
    }
    if (fired.fail) {
      return scimError(fired.fail.status, `Injected failure (HTTP ${fired.fail.status})`);
    }
    c.set("clientId", auth.clientId);
    c.set("fired", fired);
    await next();
  };
}

/**
 * `POST /scim/v2/token`: the OAuth 2.0 client credentials grant (RFC 6749
 * §4.4), form-encoded or with HTTP Basic client authentication, answering in
 * OAuth's error vocabulary (`invalid_client`, `unsupported_grant_type`).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { readClientCredentials, type TokenIssuer } from "./auth.ts";
import type { Faults } from "./faults.ts";

const TokenForm = z.looseObject({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

/**
 * The token route (mount at `/scim/v2/token`); `route: "token"` faults apply to it.
 *
 * @example
 * ```ts
 * app.route("/scim/v2/token", tokenRoute(tokens, faults));
 * ```
 */
export function tokenRoute(tokens: TokenIssuer, faults: Faults): Hono {
  const app = new Hono();
  app.post("/", async (c) => {
    const fired = faults.take({ route: "token" });
    if (fired.delayMs) await new Promise((r) => setTimeout(r, fired.delayMs));
    if (fired.fail) {
      const retry = fired.fail.retryAfter !== undefined
        ? { "Retry-After": String(fired.fail.retryAfter) }
        : undefined;
      return c.json(
        { error: fired.fail.status === 429 ? "slow_down" : "server_error" },
        fired.fail.status as 500,
        retry,
      );
    }
    const form = TokenForm.safeParse(await c.req.parseBody().catch(() => ({})));
    const grant = form.success ? form.data.grant_type : undefined;
    if (!grant) {
      return c.json({
        error: "invalid_request",
        error_description: "grant_type is required (form-encoded)",
      }, 400);
    }
    if (grant !== "client_credentials") return c.json({ error: "unsupported_grant_type" }, 400);
    const creds = readClientCredentials(
      c.req.header("authorization"),
      form.success ? form.data : {},
    );
    if (!creds || !tokens.authenticate(creds)) {
      return c.json({ error: "invalid_client" }, 401, { "WWW-Authenticate": 'Basic realm="scim"' });
    }
    // RFC 6749 §5.1: token responses must not be cached.
    return c.json(tokens.issue(creds.clientId), 200, {
      "Cache-Control": "no-store",
      Pragma: "no-cache",
    });
  });
  return app;
}

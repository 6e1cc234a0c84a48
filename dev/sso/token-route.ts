/**
 * `POST /scim/v2/token`: the OAuth 2.0 client credentials grant (RFC 6749
 * §4.4), form-encoded or with HTTP Basic client authentication — or only one
 * of them, as some servers do (DEV_SSO_TOKEN_AUTH) — answering in OAuth's
 * error vocabulary (`invalid_client`, `invalid_scope`, `unsupported_grant_type`).
 * A required scope or audience is checked and echoed in the answer, so tests
 * see what the client sent.
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
  scope: z.string().optional(),
  audience: z.string().optional(),
});
type TokenForm = z.infer<typeof TokenForm>;

/** Which client authentication the route accepts (RFC 6749 §2.3.1). */
export type TokenAuthAccepted = "post" | "basic" | "both";

/** Options of {@linkcode tokenRoute}. */
export interface TokenRouteOptions {
  /** Client authentication accepted; the other one is `invalid_client`. @default "both" */
  accept?: TokenAuthAccepted;
  /** A scope the request must carry (`invalid_scope` otherwise). */
  requireScope?: string;
  /** An audience the request must carry (`invalid_request` otherwise). */
  requireAudience?: string;
}

/**
 * The token route (mount at `/scim/v2/token`); `route: "token"` faults apply to it.
 *
 * @example
 * ```ts
 * app.route("/scim/v2/token", tokenRoute(tokens, faults, { accept: "basic" }));
 * ```
 */
export function tokenRoute(
  tokens: TokenIssuer,
  faults: Faults,
  options: TokenRouteOptions = {},
): Hono {
  const accept = options.accept ?? "both";
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
    const fields: TokenForm = form.success ? form.data : {};
    // A server that accepts one method ignores credentials presented the other way.
    const creds = readClientCredentials(
      accept === "post" ? undefined : c.req.header("authorization"),
      accept === "basic" ? {} : fields,
    );
    if (!creds || !tokens.authenticate(creds)) {
      return c.json({ error: "invalid_client" }, 401, { "WWW-Authenticate": 'Basic realm="scim"' });
    }
    const refused = checkTarget(fields, options);
    if (refused) return c.json(refused, 400);
    const echo = {
      ...(fields.scope ? { scope: fields.scope } : {}),
      ...(fields.audience ? { audience: fields.audience } : {}),
    };
    // RFC 6749 §5.1: token responses must not be cached.
    return c.json({ ...tokens.issue(creds.clientId), ...echo }, 200, {
      "Cache-Control": "no-store",
      Pragma: "no-cache",
    });
  });
  return app;
}

/** The required scope and audience, as OAuth error bodies when missing. */
function checkTarget(
  fields: TokenForm,
  options: TokenRouteOptions,
): { error: string; error_description: string } | null {
  const scopes = (fields.scope ?? "").split(" ").filter(Boolean);
  if (options.requireScope && !scopes.includes(options.requireScope)) {
    return { error: "invalid_scope", error_description: `scope ${options.requireScope} required` };
  }
  if (options.requireAudience && fields.audience !== options.requireAudience) {
    return {
      error: "invalid_request",
      error_description: `audience ${options.requireAudience} required`,
    };
  }
  return null;
}

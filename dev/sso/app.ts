/**
 * The development SSO: a standard-behaving SCIM 2.0 service provider on Hono
 * for tests, benchmarks and the demo — OAuth2 client credentials (or a static
 * bearer), Users and Groups with 1-based paging capped at maxResults, filters,
 * SCIM error bodies, injectable faults, the guide's request allowance (100 a
 * minute, allowance.ts), a webhook sender and a
 * `/_dev` admin API. It is an independent peer of the product (our test
 * oracle) and imports nothing from `shared/`, `runner/` or `edge/`.
 *
 * @module
 */
import { Hono } from "hono";
import { type Allowance, createAllowance, GUIDE_REQUESTS_PER_MINUTE } from "./allowance.ts";
import { type ClientCredentials, createTokenIssuer, type TokenIssuer } from "./auth.ts";
import { devRoutes } from "./dev-routes.ts";
import { createDirectory, type Directory } from "./directory.ts";
import { resourceTypes, schemas, serviceProviderConfig } from "./discovery.ts";
import { createFaults, type Faults } from "./faults.ts";
import { generateOrg } from "./generator.ts";
import { scimGuard } from "./guard.ts";
import { mutateDirectory, type Mutation, type MutationResult } from "./mutator.ts";
import { resourceRoutes } from "./resource-routes.ts";
import { scimError, scimJson, type SsoEnv } from "./scim-http.ts";
import { type TokenAuthAccepted, tokenRoute } from "./token-route.ts";
import { createWebhookSender, type WebhookSender, type WebhookTarget } from "./webhook-sender.ts";

export interface DevSsoOptions {
  /** The OAuth2 client. @default "scim-dev-client" / "dev-secret-change-me" */
  clientId?: string;
  clientSecret?: string;
  /** More clients (each has its own allowance). */
  clients?: ClientCredentials[];
  /** A bearer token accepted as is, as directories that hand out static tokens do. */
  staticToken?: string;
  /** A token for `/_dev/*` besides any valid bearer. */
  devToken?: string;
  /** Client authentication the token endpoint accepts (DEV_SSO_TOKEN_AUTH). @default "both" */
  tokenAuth?: TokenAuthAccepted;
  /** A scope every token request must carry (DEV_SSO_TOKEN_SCOPE). */
  tokenScope?: string;
  /** An audience every token request must carry (DEV_SSO_TOKEN_AUDIENCE). */
  tokenAudience?: string;
  /** `expires_in` of issued tokens, seconds. @default 3600 */
  tokenTtlSeconds?: number;
  /** The page cap (`filter.maxResults`): the guide's "count=1000 max". @default 1000 */
  maxResults?: number;
  /**
   * Requests per client in any minute on /scim/v2 (allowance.ts), 429 + Retry-After past
   * it: the guide's "Rate Limit: 100 requests/minute". 0 = none enforced. @default 100
   */
  rateLimitPerMinute?: number;
  /** The allowance's window, for tests that must see it bite in seconds. @default 60_000 */
  rateLimitWindowMs?: number;
  /** The generated organisation. @default seed 42, 0 users, orgUnits users/10 (min 3) */
  seed?: number | string;
  users?: number;
  orgUnits?: number;
  /** SCIM base URL for `meta.location`. @default "http://localhost:5173/scim/v2" */
  baseUrl?: string;
  /** Injectable clock (epoch ms) for meta timestamps, token expiry and rate limits. */
  clock?: () => number;
  webhooks?: WebhookTarget[];
  /** @default 3 */
  webhookMaxRetries?: number;
  /** @default 1000 */
  webhookRetryDelayMs?: number;
  webhookTimeoutMs?: number;
  /** Deliveries in flight at once (DEV_SSO_WEBHOOK_CONCURRENCY). @default 8 */
  webhookConcurrency?: number;
  /** Called before each list page is built: tests change data between pages. */
  onPage?: (resource: "Users" | "Groups", page: number) => void | Promise<void>;
}

export interface DevSso {
  app: Hono<SsoEnv>;
  directory: Directory;
  faults: Faults;
  webhooks: WebhookSender;
  tokens: TokenIssuer;
  /** The request allowance the SCIM routes enforce. */
  allowance: Allowance;
  /** Mutable: set `hooks.onPage` after creation too. */
  hooks: { onPage?: DevSsoOptions["onPage"] };
  stats(): Record<string, unknown>;
  /** Regenerates the organisation (no webhooks: a reset is not a change). */
  reset(org?: { seed?: number | string; users?: number; orgUnits?: number }): void;
  /** Random changes through the directory (webhooks fire). */
  mutate(m: Mutation): MutationResult;
}

/**
 * Creates the development SSO.
 *
 * @example
 * ```ts
 * const sso = createDevSso({ users: 100, maxResults: 20 });
 * const { access_token } = await (await sso.app.request("/scim/v2/token", { method: "POST",
 *   body: new URLSearchParams({ grant_type: "client_credentials", client_id: "scim-dev-client", client_secret: "dev-secret-change-me" }) })).json();
 * const page = await sso.app.request("/scim/v2/Users?startIndex=1&count=50", { headers: { Authorization: `Bearer ${access_token}` } });
 * ```
 */
export function createDevSso(options: DevSsoOptions = {}): DevSso {
  const clock = options.clock ?? Date.now;
  const maxResults = options.maxResults ?? 1000;
  const baseUrl = options.baseUrl ?? "http://localhost:5173/scim/v2";
  const directory = createDirectory({ baseUrl, clock });
  const faults = createFaults();
  const webhooks = createWebhookSender({
    targets: options.webhooks,
    maxRetries: options.webhookMaxRetries,
    retryDelayMs: options.webhookRetryDelayMs,
    timeoutMs: options.webhookTimeoutMs,
    concurrency: options.webhookConcurrency,
    clock,
  });
  directory.onChange(webhooks.send);
  const clients = [{
    clientId: options.clientId ?? "scim-dev-client",
    clientSecret: options.clientSecret ?? "dev-secret-change-me",
  }, ...(options.clients ?? [])];
  const tokens = createTokenIssuer({
    clients,
    expiresIn: options.tokenTtlSeconds ?? 3600,
    clock,
    staticToken: options.staticToken,
  });
  const allowance = createAllowance({
    requests: options.rateLimitPerMinute ?? GUIDE_REQUESTS_PER_MINUTE,
    windowMs: options.rateLimitWindowMs,
    clock,
  });
  const hooks: DevSso["hooks"] = { onPage: options.onPage };
  const requests: Record<string, number> = {};
  const counters = { rateLimited: 0 };
  let org = { seed: options.seed ?? 42, users: options.users ?? 0, orgUnits: options.orgUnits };

  function reset(next: { seed?: number | string; users?: number; orgUnits?: number } = {}) {
    org = {
      seed: next.seed ?? org.seed,
      users: next.users ?? org.users,
      orgUnits: next.orgUnits ?? (next.users === undefined ? org.orgUnits : undefined),
    };
    directory.clear();
    const generated = generateOrg(org);
    directory.load("Group", generated.groups);
    directory.load("User", generated.users);
  }
  reset();

  const app = new Hono<SsoEnv>();
  app.use("*", async (c, next) => {
    const key = `${c.req.method} ${
      c.req.path.replace(/^(\/scim\/v2\/(?:Users|Groups|ResourceTypes|Schemas))\/[^/]+$/, "$1/:id")
    }`;
    requests[key] = (requests[key] ?? 0) + 1;
    await next();
  });
  app.get("/health", (c) => c.json({ status: "ok" }));

  app.route(
    "/scim/v2/token",
    tokenRoute(tokens, faults, {
      accept: options.tokenAuth,
      requireScope: options.tokenScope,
      requireAudience: options.tokenAudience,
    }),
  );

  app.use("/scim/v2/*", scimGuard({ tokens, allowance, faults, maxResults, counters }));
  app.get(
    "/scim/v2/ServiceProviderConfig",
    () => scimJson(serviceProviderConfig(directory.baseUrl, maxResults)),
  );
  app.get("/scim/v2/ResourceTypes", () => scimJson(resourceTypes(directory.baseUrl)));
  app.get("/scim/v2/Schemas", () => scimJson(schemas(directory.baseUrl)));
  for (const [path, doc] of [["ResourceTypes", resourceTypes], ["Schemas", schemas]] as const) {
    app.get(`/scim/v2/${path}/:id`, (c) => {
      const found = doc(directory.baseUrl).Resources.find((r) => r.id === c.req.param("id"));
      return found ? scimJson(found) : scimError(404, `${path} ${c.req.param("id")} not found`);
    });
  }
  app.route("/scim/v2", resourceRoutes({ directory, maxResults, onPage: () => hooks.onPage }));

  app.use("/_dev/*", async (c, next) => {
    const header = c.req.header("authorization");
    if ((options.devToken && header === `Bearer ${options.devToken}`) || tokens.verify(header).ok) {
      return next();
    }
    return c.json({ error: "unauthorized" }, 401, { "WWW-Authenticate": 'Bearer realm="dev"' });
  });
  const stats = () => ({
    requests: { ...requests },
    tokensIssued: tokens.stats.issued,
    tokenRefusals: tokens.stats.refused,
    rateLimited: counters.rateLimited,
    allowance: { requests: allowance.requests, windowMs: allowance.windowMs },
    faultsFired: faults.history.length,
    users: directory.size("User"),
    groups: directory.size("Group"),
    org,
    webhooks: {
      targets: webhooks.targets.length,
      pending: webhooks.pending,
      attempts: webhooks.deliveries.length,
      failedAttempts:
        webhooks.deliveries.filter((d) => d.status === "error" || d.status >= 300).length,
    },
  });
  const mutate = (m: Mutation) => mutateDirectory(directory, m);
  app.route(
    "/_dev",
    devRoutes({ directory, faults, webhooks, stats, reset, mutate, allowance }),
  );

  app.notFound((
    c,
  ) => (c.req.path.startsWith("/scim/")
    ? scimError(404, `No endpoint ${c.req.method} ${c.req.path}`)
    : c.json({ error: "not found" }, 404))
  );
  app.onError((e, c) =>
    c.req.path.startsWith("/scim/")
      ? scimError(500, `Internal error: ${e.message}`)
      : c.json({ error: e.message }, 500)
  );
  return { app, directory, faults, webhooks, tokens, allowance, hooks, stats, reset, mutate };
}

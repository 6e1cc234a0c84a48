/**
 * The runner's HTTP app, composed with `app.route()`: open `/health` and
 * `/metrics`, the admin-only sync page and trigger, and — when given — the
 * ingestion API and the in-process webhook app, which keep their own
 * signature checks. One `onError` turns failures into plain answers.
 *
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import { ScimSyncError } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";
import type { HealthReport } from "../health.ts";
import type { Metrics } from "../metrics.ts";
import { adminAuth } from "./auth.ts";
import { failureAnswer } from "./failure-answer.tsx";
import { loopbackHostOnly } from "./host-check.ts";
import { runnerOpenApiDocument } from "./openapi.ts";
import { createSyncRoutes, type SyncRoutesDeps } from "./sync-routes.tsx";
import { createPersonRoutes, type PersonRoutesDeps } from "./person-routes.tsx";
import { createHeldRoutes, type HeldRoutesDeps } from "./held-routes.tsx";

/** Dependencies of {@linkcode createRunnerApp}. */
export interface RunnerAppDeps {
  /** HOST decides whether ADMIN_TOKEN is required; see auth.ts. */
  config: { host: string; adminToken: string | null };
  sync: SyncRoutesDeps;
  /** The person inspector and on-demand sync (person-routes.tsx); absent, no person routes. */
  people?: Omit<PersonRoutesDeps, "logger">;
  /** Held deactivations: the list, the decisions, the page (held-routes.tsx); absent, none. */
  held?: HeldRoutesDeps;
  health: () => Promise<{ code: 200 | 503; report: HealthReport }>;
  metrics: Pick<Metrics, "render">;
  logger: Logger;
  /**
   * The port the server listens on, for the DNS-rebinding check without ADMIN_TOKEN
   * (host-check.ts); null or absent: any port.
   */
  listenPort?: () => number | null;
  /** Apps mounted at `/` as they are: the ingestion API, the webhook app. */
  mounts?: readonly Hono[];
}

/** `/x/*` also matches `/x` in Hono, so the trigger and its status route share one pattern. */
const ADMIN_PATHS = [
  "/modules/sync/*",
  "/api/v1/scim/sync/*",
  "/api/v1/scim/people/*",
  "/api/v1/scim/held/*",
  "/api/v1/scim/org-units/*",
  "/openapi.json",
] as const;

/** Routes that verify an HMAC signature themselves (ingestion API, direct webhook). */
const SIGNED_PATHS = new Set(["/api/v1/scim/events", "/api/v1/scim/webhook"]);

/** The store throws only typed errors (store/driver-errors.ts), all coded STORE_…. */
const isStoreError = (e: Error) => e instanceof ScimSyncError && e.code.startsWith("STORE_");

/** Errors of the SSO or the way to it (shared/errors.ts): the SSO is what is down. */
const SSO_CODES = new Set([
  "TOKEN_FAILED",
  "CONNECTION_FAILED",
  "SCIM_HTTP_ERROR",
  "SCIM_RESPONSE_INVALID",
  "SCIM_RESPONSE_TOO_LARGE",
  "SCIM_REDIRECT_REFUSED",
]);

/** One answer per failure: JSON on the API, a page that says what is down on the pages. */
function onError(err: Error, c: Context, logger: Logger): Response {
  if (err instanceof HTTPException) return err.getResponse();
  if (err instanceof ScimSyncError && SSO_CODES.has(err.code)) {
    logger.error("❌ The SSO did not answer while serving a request", {
      path: c.req.path,
      error: err.message,
    });
    return failureAnswer(c, "sso", err.message, 502);
  }
  if (isStoreError(err)) {
    logger.error("❌ MongoDB unavailable while serving a request", {
      path: c.req.path,
      error: err.message,
    });
    return failureAnswer(c, "mongodb", err.message, 503);
  }
  logger.error("❌ Unhandled error while serving a request", {
    path: c.req.path,
    error: err.message,
  });
  return failureAnswer(c, "unknown", err.message, 500);
}

/**
 * Creates the app.
 *
 * @throws {ConfigError} when HOST is not loopback and ADMIN_TOKEN is unset
 * @example
 * ```ts
 * const app = createRunnerApp({ config, sync, health, metrics, logger, mounts: [ingestApp] });
 * Bun.serve({ hostname: config.host, port: config.port, routes: rawTargetRoutes(app.fetch), fetch: app.fetch });
 * ```
 */
export function createRunnerApp(deps: RunnerAppDeps): Hono {
  const app = new Hono();
  const admin = adminAuth(deps.config);
  // First, before any route: a rebound host name gets nothing, not even /health. The signed
  // routes are exempt: their HMAC is their authentication, so a rebound page gains nothing there,
  // and a reverse proxy in front of a loopback runner may pass its public Host to them.
  const hostCheck = loopbackHostOnly({
    adminToken: deps.config.adminToken,
    port: deps.listenPort ?? (() => null),
  });
  app.use("*", (c, next) => (SIGNED_PATHS.has(c.req.path) ? next() : hostCheck(c, next)));

  app.onError((err, c) => onError(err, c, deps.logger));

  app.get("/health", async (c) => {
    const { code, report } = await deps.health();
    c.header("Cache-Control", "no-store");
    return c.json(report, code);
  });

  app.get("/metrics", async (c) => {
    const { body, contentType } = await deps.metrics.render();
    return c.body(body, 200, { "Content-Type": contentType });
  });

  app.get("/", (c) => c.redirect("/modules/sync", 302));
  for (const path of ADMIN_PATHS) app.use(path, admin);
  app.route("/", createSyncRoutes(deps.sync));
  if (deps.people) app.route("/", createPersonRoutes({ ...deps.people, logger: deps.logger }));
  if (deps.held) app.route("/", createHeldRoutes(deps.held));
  // Built once: the document depends on no configuration.
  const contract = runnerOpenApiDocument();
  app.get("/openapi.json", (c) => c.json(contract));
  for (const mounted of deps.mounts ?? []) app.route("/", mounted);
  return app;
}

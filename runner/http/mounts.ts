/**
 * The webhook side on the runner's server, built from parts handed to it:
 * the ingestion API (`POST /api/v1/scim/events`, when INGEST_SECRET is set)
 * and the runner's own webhook route (`POST /api/v1/scim/webhook`, when
 * SCIM_WEBHOOK_SECRET is set, for deployments without an edge). The webhook
 * route reads the whole webhook section of the config (secrets, Standard
 * Webhooks secrets, WEBHOOK_MAX_BYTES, WEBHOOK_TOLERANCE_SECONDS,
 * WEBHOOK_REQUIRE_TIMESTAMP, WEBHOOK_ALLOWED_IPS, TRUSTED_PROXIES) through the
 * same function as the edge. Both
 * keep their own signature checks; neither sits behind ADMIN_TOKEN.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Logger } from "../../shared/logger.ts";
import { createWebhookApp } from "../../shared/webhook/app.ts";
import { webhookAppOptions } from "../../shared/webhook/webhook-config.ts";
import type { Config } from "../config.ts";
import { createInFlightGate } from "../ingest/in-flight-gate.ts";
import {
  createIngestApp,
  createInProcessForward,
  type IngestAppOptions,
} from "../ingest/ingest-app.ts";

/** What {@linkcode webhookMounts} needs. */
export interface WebhookMountsDeps {
  /** Where events are applied (the runtime's event store). */
  events: IngestAppOptions["store"];
  config: Pick<Config, "ingestSecrets" | "ingestMaxInFlight" | "webhook">;
  logger: Logger;
  /** Every applied event's status (metrics). */
  onApplied?: IngestAppOptions["onApplied"];
  /** The webhook route's clock (tests). @default () => new Date() */
  now?: () => Date;
  /** Each request refused 503 by the in-flight gate (metrics). */
  onBusy?: () => void;
}

/**
 * Builds the webhook-side apps, to mount at `/` on the runner's app.
 *
 * @param deps the event store, the config's webhook and ingestion parts, the log
 * @returns the apps: the ingestion API first, then the webhook route, each only when its secret is set
 *
 * @example
 * ```ts
 * const apps = webhookMounts({ events: runtime.events, config, logger, onApplied: metrics.recordWebhookEvent });
 * ```
 */
export function webhookMounts(deps: WebhookMountsDeps): Hono[] {
  const { config, logger, onApplied, events } = deps;
  const apps: Hono[] = [];
  // One gate for both ways in: together they apply at most INGEST_MAX_IN_FLIGHT events at once.
  const gate = createInFlightGate({ max: config.ingestMaxInFlight, onBusy: deps.onBusy });
  if (config.ingestSecrets.length > 0) {
    apps.push(
      createIngestApp({ secrets: config.ingestSecrets, store: events, logger, onApplied, gate }),
    );
  }
  if (config.webhook.secrets.length > 0) {
    const forward = createInProcessForward(events, logger, onApplied);
    const webhook = createWebhookApp(
      webhookAppOptions(config.webhook, { forward, logger, now: deps.now, remoteAddress }),
    );
    apps.push(new Hono().use("/api/v1/scim/webhook", gate.middleware()).route("/", webhook));
  }
  logger.info(
    `📥 Webhooks: ingestion API ${
      config.ingestSecrets.length > 0 ? "on" : "off (INGEST_SECRET unset)"
    }, ` +
      `direct webhook ${
        config.webhook.secrets.length > 0 ? "on" : "off (SCIM_WEBHOOK_SECRET unset)"
      }`,
  );
  return apps;
}

/**
 * The peer address on Bun: `Bun.serve` hands its server to `fetch` as the
 * second argument (Hono's `c.env`), and `server.requestIP(req)` knows the
 * socket. Undefined elsewhere (`app.request()` in tests), which the
 * allowlist refuses.
 *
 * @example
 * ```ts
 * Bun.serve({ fetch: app.fetch }); // the webhook route's allowlist reads the peer through this
 * ```
 */
export function remoteAddress(c: Context): string | undefined {
  const server = c.env as
    | { requestIP?: (req: Request) => { address: string } | null }
    | undefined;
  return server?.requestIP?.(c.req.raw)?.address;
}

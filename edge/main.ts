/**
 * The edge on Deno (and Deno Deploy): reads the environment, builds the app,
 * serves it. The only module of edge/ that touches `Deno`.
 *
 * @module
 */
import { ConfigError } from "../shared/errors.ts";
import { createLogger } from "../shared/logger.ts";
import { createWebhookApp } from "../shared/webhook/app.ts";
import { loadEdgeConfig } from "./config.ts";
import { createBatchingForwarder } from "../shared/webhook/batching-forwarder.ts";

function readConfig() {
  try {
    return loadEdgeConfig(Deno.env.toObject());
  } catch (e) {
    console.error(`❌ ${e instanceof ConfigError ? e.message : String(e)}`);
    Deno.exit(2);
  }
}
const config = readConfig();
const logger = createLogger({
  level: config.LOG_LEVEL,
  format: Deno.stdout.isTerminal() ? "pretty" : "json",
  base: { component: "edge" },
});
const app = createWebhookApp({
  secrets: config.SCIM_WEBHOOK_SECRET,
  forward: createBatchingForwarder({
    url: config.OFM_INGEST_URL,
    secret: config.INGEST_SECRET[0] as string,
    deadlineMs: config.FORWARD_DEADLINE_MS,
  }),
  standardWebhookSecrets: config.STANDARD_WEBHOOK_SECRET,
  limits: {
    maxBytes: config.WEBHOOK_MAX_BYTES,
    toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
    requireTimestamp: config.WEBHOOK_REQUIRE_TIMESTAMP,
  },
  logger,
});
Deno.serve({
  port: config.PORT,
  hostname: "0.0.0.0",
  onListen: ({ port }) => console.log(`ready http://127.0.0.1:${port}`),
}, app.fetch);

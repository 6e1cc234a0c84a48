/**
 * The edge on Deno (and Deno Deploy): reads the environment, builds the app
 * from the shared factory, serves it. The only module of edge/ that touches
 * `Deno`; everything else is in shared/webhook/.
 *
 * @module
 */
import type { Context } from "hono";
import { ConfigError } from "../shared/errors.ts";
import { unknownVariableWarnings } from "../shared/env-typos.ts";
import { createLogger } from "../shared/logger.ts";
import { createWebhookApp } from "../shared/webhook/app.ts";
import { createBatchingForwarder } from "../shared/webhook/batching-forwarder.ts";
import { webhookAppOptions, webhookConfig } from "../shared/webhook/webhook-config.ts";
import { loadEdgeConfig } from "./config.ts";

function readConfig() {
  try {
    const env = Deno.env.toObject();
    const config = loadEdgeConfig(env);
    for (const w of unknownVariableWarnings(env)) console.error(`⚠️ ${w}`);
    return config;
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
const forward = createBatchingForwarder({
  url: config.OFM_INGEST_URL,
  secret: config.INGEST_SECRET[0] as string,
  deadlineMs: config.FORWARD_DEADLINE_MS,
});
// Deno.serve hands its connection info to app.fetch as the second argument: Hono's c.env.
const remoteAddress = (c: Context) =>
  (c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr?.hostname;
// The batching forwarder never reads the request's signal: leave it unread (Deno.serve pays for it).
const app = createWebhookApp(
  webhookAppOptions(webhookConfig(config), {
    forward,
    logger,
    remoteAddress,
    requestSignal: false,
  }),
);
Deno.serve({
  port: config.PORT,
  hostname: "0.0.0.0",
  onListen: ({ port }) => console.log(`ready http://127.0.0.1:${port}`),
}, app.fetch);

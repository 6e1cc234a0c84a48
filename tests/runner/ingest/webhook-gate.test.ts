/**
 * The runner's own webhook route (deployments without an edge) shares the
 * ingestion gate: past INGEST_MAX_IN_FLIGHT it answers 503 + Retry-After too.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { webhookMounts } from "../../../runner/http/mounts.ts";
import { createEventApplier } from "../../../runner/ingest/apply-event.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { webhookConfig, WebhookEnv } from "../../../shared/webhook/webhook-config.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("webhook_gate");
});
afterAll(() => t.drop());

describe("webhookMounts() gate", () => {
  test("webhookMounts() answers 503 with Retry-After on /api/v1/scim/webhook while the ingestion API holds the only slot", async () => {
    const secret = "webhook-gate-secret-0123456789";
    const apps = webhookMounts({
      events: createEventApplier(createWebhookStores(t.mongo.db)),
      logger: silentLogger,
      config: {
        ingestSecrets: [secret],
        ingestMaxInFlight: 1,
        webhook: webhookConfig(WebhookEnv.parse({ SCIM_WEBHOOK_SECRET: secret })),
      },
    });
    const [ingest, webhook] = apps as [typeof apps[0], typeof apps[0]];
    // A body that never ends keeps its request, and its slot, in flight.
    let stop!: () => void;
    const endless = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("{"));
        stop = () => c.error(new Error("client gone"));
      },
    });
    const holding = ingest.request("/api/v1/scim/events", {
      method: "POST",
      body: endless,
      headers: { "content-type": "application/json" },
    });
    const refused = await webhook.request("/api/v1/scim/webhook", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    stop();
    expect((await holding).status).toBe(400);
    // The slot is back: the webhook route now does its own checks (here: the signature).
    const checked = await webhook.request("/api/v1/scim/webhook", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(checked.status).toBe(401);
  });
});

/**
 * The runner's own `POST /api/v1/scim/webhook` (deployments without an edge)
 * honours every variable of the webhook section, as the edge does: the route
 * is built as main.ts builds it — loadConfig → webhookMounts → the shared
 * factory — over the event store of the composition root on the
 * MongoDB-wire server. Each test sends the same delivery to the route built
 * with and without one variable, so it fails if the variable is ignored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Hono } from "hono";
import type { Runtime } from "../../../runner/compose.ts";
import { loadConfig } from "../../../runner/config.ts";
import { webhookMounts } from "../../../runner/http/mounts.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { signScimBody } from "../../../shared/signature.ts";
import { signStandardWebhook } from "../../../shared/standard-webhooks.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const SECRET = "route-webhook-secret-0123456789";
const OLD_SECRET = "route-old-secret-9876543210abc";
const STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

let t: SyncEnv;
let rt: Runtime;
let counter = 0;

beforeAll(async () => {
  t = await syncEnv("webhook_route", { users: 1 });
  rt = await t.runtime();
}, 60_000);
afterAll(() => t.close());

/** The runner's webhook route for this environment (SCIM_WEBHOOK_SECRET set unless given). */
function route(extra: Record<string, string> = {}): Hono {
  const config = loadConfig({ ...t.env, SCIM_WEBHOOK_SECRET: SECRET, ...extra });
  const apps = webhookMounts({ events: rt.events, config, logger: silentLogger });
  const webhook = apps.at(-1);
  if (!webhook) throw new Error("no webhook route mounted");
  return webhook;
}

/** A `user.created` envelope for a fresh user; `over` replaces keys, undefined removes one. */
function delivery(over: Record<string, unknown> = {}): { id: string; body: string } {
  const id = `route-user-${++counter}`;
  const now = new Date();
  const env: Record<string, unknown> = {
    id: `evt-${id}`,
    event: "user.created",
    resourceType: "User",
    resourceId: id,
    timestamp: now.toISOString(),
    data: {
      id,
      userName: `${id}@ias.co.id`,
      name: { givenName: "Route", familyName: "Test" },
      active: true,
      meta: { lastModified: new Date(now.getTime() - 1000).toISOString() },
    },
    ...over,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return { id, body: JSON.stringify(env) };
}

async function post(app: Hono, body: string, secret = SECRET): Promise<Response> {
  return await app.request("/api/v1/scim/webhook", {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-scim-signature": await signScimBody(secret, body),
    },
  });
}

const stored = async (id: string) =>
  await t.mongo.db(t.dbName).collection("users").findOne({ ssoUserId: id });

describe("webhookMounts() webhook route and the webhook variables", () => {
  test("webhookMounts() answers 413 to a body over WEBHOOK_MAX_BYTES and stores nothing", async () => {
    const big = delivery({ padding: "x".repeat(2048) });
    const refused = await post(route({ WEBHOOK_MAX_BYTES: "1024" }), big.body);
    expect(refused.status).toBe(413);
    expect(await stored(big.id)).toBeNull();
    // The same delivery fits the default limit (256 KiB).
    expect((await post(route(), big.body)).status).toBe(200);
    expect(await stored(big.id)).not.toBeNull();
  });

  test("webhookMounts() answers 401 to a timestamp older than WEBHOOK_TOLERANCE_SECONDS", async () => {
    const old = delivery({ timestamp: new Date(Date.now() - 120_000).toISOString() });
    expect((await post(route({ WEBHOOK_TOLERANCE_SECONDS: "60" }), old.body)).status).toBe(401);
    expect(await stored(old.id)).toBeNull();
    // Two minutes lie within the default five.
    expect((await post(route(), old.body)).status).toBe(200);
  });

  test("webhookMounts() answers 401 to a body without a timestamp when WEBHOOK_REQUIRE_TIMESTAMP=true", async () => {
    const bare = delivery({ timestamp: undefined });
    expect((await post(route({ WEBHOOK_REQUIRE_TIMESTAMP: "true" }), bare.body)).status).toBe(401);
    expect(await stored(bare.id)).toBeNull();
    expect((await post(route({ WEBHOOK_REQUIRE_TIMESTAMP: "off" }), bare.body)).status).toBe(200);
  });

  test("webhookMounts() accepts a Standard Webhooks delivery signed with STANDARD_WEBHOOK_SECRET", async () => {
    const d = delivery();
    const msgId = `msg_${d.id}`;
    const seconds = String(Math.floor(Date.now() / 1000));
    const headers = {
      "content-type": "application/json",
      "webhook-id": msgId,
      "webhook-timestamp": seconds,
      "webhook-signature": await signStandardWebhook(STANDARD_SECRET, msgId, seconds, d.body),
    };
    const send = (app: Hono) =>
      app.request("/api/v1/scim/webhook", { method: "POST", body: d.body, headers });
    // Without the variable the headers are ignored and the missing X-SCIM-Signature refused.
    expect((await send(route())).status).toBe(401);
    const accepted = await send(route({ STANDARD_WEBHOOK_SECRET: STANDARD_SECRET }));
    expect(accepted.status).toBe(200);
    expect((await stored(d.id))?.email).toBe(`${d.id}@ias.co.id`);
  });

  test("webhookMounts() serves the route only with SCIM_WEBHOOK_SECRET and accepts each secret of a rotation", async () => {
    expect(webhookMounts({ events: rt.events, config: loadConfig(t.env), logger: silentLogger }))
      .toEqual([]);
    const app = route({ SCIM_WEBHOOK_SECRET: `${SECRET},${OLD_SECRET}` });
    expect((await post(app, delivery().body, OLD_SECRET)).status).toBe(200);
    expect((await post(app, delivery().body, "another-secret-0123456789")).status).toBe(401);
  });
});

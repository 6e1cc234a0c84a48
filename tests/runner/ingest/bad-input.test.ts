// Every bad input of the edge's table, sent to the webhook app the runner
// mounts (forwarding in-process into the real MongoDB-wire server), plus the
// inputs only a database can judge: each answered with its status, and
// MongoDB byte-for-byte unchanged afterwards.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createWebhookApp } from "../../../shared/webhook/app.ts";
import { createHttpForwarder } from "../../../shared/webhook/forwarder.ts";
import { createIngestApp, createInProcessForward } from "../../../runner/ingest/ingest-app.ts";
import { createEventApplier, type EventApplier } from "../../../runner/ingest/apply-event.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { signScimBody } from "../../../shared/signature.ts";
import {
  type AppOverrides,
  BAD_INPUTS,
  type BadInputContext,
  envelope,
  MAX_BYTES,
  SECRET,
  signed,
} from "../../shared/webhook/support/bad-inputs.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

const INGEST = "ingest-secret-0123456789abcdef";
const NOW = new Date();
const USER_ID = "u-bad-input";
let t: TestDb;
let store: EventApplier;

const webhookApp = (
  over: AppOverrides & { forward?: Parameters<typeof createWebhookApp>[0]["forward"] } = {},
) =>
  createWebhookApp({
    secrets: [SECRET],
    now: () => NOW,
    forward: createInProcessForward(store),
    ...over,
    limits: { maxBytes: MAX_BYTES, ...over.limits },
  });

const ctx: BadInputContext = {
  now: NOW,
  userId: USER_ID,
  async post(body, headers, over = {}) {
    const h = new Headers();
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) h.set(k, v);
    return await webhookApp(over).request(
      "/api/v1/scim/webhook",
      { method: "POST", body, headers: h, duplex: "half" } as RequestInit,
    );
  },
};

/** Everything the webhook side could touch. */
async function snapshot() {
  const db = t.mongo.db;
  return {
    users: await db.collection("users").find({}).sort({ _id: 1 }).toArray(),
    orgUnits: await db.collection("orgUnits").find({}).sort({ _id: 1 }).toArray(),
    webhookEvents: await db.collection("webhookEvents").find({}).sort({ _id: 1 }).toArray(),
  };
}

beforeAll(async () => {
  t = await openTestDb("ingest_bad");
  store = createEventApplier(createWebhookStores(t.mongo.db));
  await store.ensureIndexes();
  // The targeted user exists with older data, so any event that got through would change it.
  const seed = envelope(ctx, { id: "seed", event: "user.created" });
  const data = seed.data as Record<string, unknown>;
  seed.data = {
    ...data,
    phoneNumbers: [{ value: "+62 seeded" }],
    meta: { lastModified: new Date(NOW.getTime() - 3_600_000).toISOString() },
  };
  expect((await signed(ctx, JSON.stringify(seed))).status).toBe(200);
  expect((await t.mongo.db.collection("users").findOne({ ssoUserId: USER_ID }))?.phone).toBe(
    "+62 seeded",
  );
});
afterAll(async () => await t.drop());

describe("the runner's webhook app refuses bad input and leaves MongoDB unchanged", () => {
  for (const bad of BAD_INPUTS) {
    test(`createWebhookApp() answers ${bad.status} for ${bad.name} and MongoDB is unchanged`, async () => {
      const before = await snapshot();
      const res = await bad.send(ctx);
      expect(res.status).toBe(bad.status);
      expect(await snapshot()).toEqual(before);
    });
  }
});

describe("inputs only the database can judge", () => {
  test("createWebhookApp() answers duplicate to a replay of an applied event and MongoDB is unchanged", async () => {
    const body = JSON.stringify(envelope(ctx, { id: "evt-replayed" }));
    const first = await signed(ctx, body);
    expect(await first.json()).toMatchObject({ status: "success" });
    expect((await t.mongo.db.collection("users").findOne({ ssoUserId: USER_ID }))?.phone).toBe(
      "+62 811 0000 9999",
    );
    const before = await snapshot();
    const again = await signed(ctx, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "duplicate" });
    expect(await snapshot()).toEqual(before);
  });

  test("createWebhookApp() answers 503 when forwarding to a dead runner and MongoDB is unchanged", async () => {
    const before = await snapshot();
    const forward = createHttpForwarder({
      url: "http://127.0.0.1:9/api/v1/scim/events",
      secret: INGEST,
      deadlineMs: 300,
    });
    const body = JSON.stringify(envelope(ctx, { id: "evt-dead-runner" }));
    const res = await webhookApp({ forward }).request("/api/v1/scim/webhook", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-scim-signature": await signScimBody(SECRET, body),
      },
    });
    expect(res.status).toBe(503);
    expect(await snapshot()).toEqual(before);
  });

  test("createIngestApp() answers 401 to a forward forged with the webhook secret and MongoDB is unchanged", async () => {
    const ingest = createIngestApp({ secrets: [INGEST], store });
    const forged = JSON.stringify({
      eventId: "evt-forged",
      event: "user.deleted",
      resourceType: "User",
      resourceId: USER_ID,
      action: "delete",
      occurredAt: null,
      receivedAt: NOW.toISOString(),
      user: null,
      orgUnit: null,
    });
    const before = await snapshot();
    for (const signature of [await signScimBody(SECRET, forged), undefined, "sha256=test"]) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (signature) headers["x-scim-signature"] = signature;
      const res = await ingest.request("/api/v1/scim/events", {
        method: "POST",
        body: forged,
        headers,
      });
      expect(res.status).toBe(401);
    }
    expect(await snapshot()).toEqual(before);
  });

  test("createIngestApp() answers 400 to a signed body that is not an event and MongoDB is unchanged", async () => {
    const ingest = createIngestApp({ secrets: [INGEST], store });
    const before = await snapshot();
    for (const body of ["{not json", '{"eventId":"x"}', JSON.stringify(envelope(ctx))]) {
      const res = await ingest.request("/api/v1/scim/events", {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-scim-signature": await signScimBody(INGEST, body),
        },
      });
      expect(res.status).toBe(400);
    }
    expect(await snapshot()).toEqual(before);
  });
});

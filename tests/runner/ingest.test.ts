// The ingestion API against the real MongoDB-wire server: exactly once,
// stale events, forged forwards, deletes — each checking what MongoDB holds.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { createWebhookApp } from "../../edge/app.ts";
import { createHttpForwarder } from "../../edge/forwarder.ts";
import { mapWebhookEvent } from "../../shared/event-mapping.ts";
import { signScimBody } from "../../shared/signature.ts";
import { WebhookEnvelope } from "../../shared/webhook-event.ts";
import { createInProcessForward, createIngestApp } from "../../runner/ingest/ingest-app.ts";
import { createEventStore } from "../../runner/store/event-store.ts";

const URI = process.env.MONGODB_URI ?? "mongodb://127.0.0.1:27017";
const DB = `t_ingest_${process.pid}`;
const INGEST = "ingest-secret-0123456789abcdef";
let client: MongoClient;
let app: ReturnType<typeof createIngestApp>;

beforeAll(async () => {
  client = await new MongoClient(URI).connect();
  const store = createEventStore(client.db(DB), { superAdminEmails: ["boss@ias.co.id"] });
  await store.ensureIndexes();
  app = createIngestApp({ secrets: [INGEST], store });
});
afterAll(async () => {
  await client.db(DB).dropDatabase();
  await client.close();
});

const users = () => client.db(DB).collection("users");
const events = () => client.db(DB).collection("webhookEvents");

function event(over: { id: string; event?: string; resourceId?: string; lastModified?: string; phone?: string; timestamp?: string; email?: string }) {
  const resourceId = over.resourceId ?? "u-1";
  const env = WebhookEnvelope.parse({
    id: over.id,
    event: over.event ?? "user.updated",
    resourceType: "User",
    resourceId,
    timestamp: over.timestamp ?? new Date().toISOString(),
    data: {
      id: resourceId,
      userName: over.email ?? "john.doe@ias.co.id",
      active: true,
      phoneNumbers: [{ value: over.phone ?? "+62 1" }],
      meta: { lastModified: over.lastModified ?? "2025-10-18T10:00:00.000Z" },
    },
  });
  const r = mapWebhookEvent(env, over.id, new Date());
  if (!r.ok) throw new Error("bad test event");
  return r.event;
}
async function send(e: unknown, secret = INGEST) {
  const body = JSON.stringify(e);
  return await app.request("/api/v1/scim/events", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-scim-signature": await signScimBody(secret, body) },
  });
}

describe("createIngestApp()", () => {
  test("POST /api/v1/scim/events creates the user and records one success event", async () => {
    const res = await send(event({ id: "e-create", event: "user.created", email: "boss@ias.co.id", resourceId: "u-boss" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "success" });
    const doc = await users().findOne({ ssoUserId: "u-boss" });
    expect(doc).toMatchObject({ email: "boss@ias.co.id", role: "super_admin", isActive: true, syncSource: "webhook" });
    const ev = await events().find({ eventId: "e-create" }).toArray();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ event: "user.created", resourceType: "User", resourceId: "u-boss", action: "create", status: "success" });
    expect(ev[0]?.processedAt).toBeInstanceOf(Date);
  });

  test("POST /api/v1/scim/events answers duplicate and writes nothing on a replay of an applied event", async () => {
    await send(event({ id: "e-1", phone: "+62 111" }));
    const before = await users().findOne({ ssoUserId: "u-1" });
    const res = await send(event({ id: "e-1", phone: "+62 999", lastModified: "2025-10-18T11:00:00.000Z" }));
    expect(await res.json()).toMatchObject({ status: "duplicate" });
    expect(await users().findOne({ ssoUserId: "u-1" })).toEqual(before);
    expect(await events().countDocuments({ eventId: "e-1" })).toBe(1);
  });

  test("POST /api/v1/scim/events records an older event as stale and changes nothing", async () => {
    await send(event({ id: "e-new", phone: "+62 new", lastModified: "2025-10-18T12:00:00.000Z" }));
    const res = await send(event({ id: "e-old", phone: "+62 old", lastModified: "2025-10-18T09:00:00.000Z" }));
    expect(await res.json()).toMatchObject({ status: "stale" });
    expect((await users().findOne({ ssoUserId: "u-1" }))?.phone).toBe("+62 new");
    expect((await events().findOne({ eventId: "e-old" }))?.status).toBe("stale");
  });

  test("POST /api/v1/scim/events soft-deletes on user.deleted", async () => {
    const del = event({ id: "e-del", event: "user.deleted", timestamp: "2025-10-18T13:00:00.000Z" });
    const res = await send({ ...del, occurredAt: "2025-10-18T13:00:00.000Z" });
    expect(res.status).toBe(200);
    const doc = await users().findOne({ ssoUserId: "u-1" });
    expect(doc?.isActive).toBe(false);
    expect(doc?.deactivatedAt).toBeInstanceOf(Date);
  });

  test("POST /api/v1/scim/events answers 401 to a forged forward and stores nothing", async () => {
    const count = await events().countDocuments();
    const res = await send(event({ id: "e-forged", resourceId: "u-forged" }), "not-the-ingest-secret-xx");
    expect(res.status).toBe(401);
    expect(await users().countDocuments({ ssoUserId: "u-forged" })).toBe(0);
    expect(await events().countDocuments()).toBe(count);
  });

  test("POST /api/v1/scim/events answers 400 to an event that fails the schema and stores nothing", async () => {
    const count = await events().countDocuments();
    const res = await send({ eventId: "e-bad", event: "user.updated" });
    expect(res.status).toBe(400);
    expect(await events().countDocuments()).toBe(count);
  });

  test("the in-process webhook app applies a signed SSO delivery exactly once", async () => {
    const secret = "webhook-secret-0123456789abcdef";
    const store = createEventStore(client.db(DB));
    const hook = createWebhookApp({ secrets: [secret], forward: createInProcessForward(store) });
    const body = JSON.stringify({
      id: "e-inproc", event: "user.created", resourceType: "User", resourceId: "u-in", timestamp: new Date().toISOString(),
      data: { id: "u-in", userName: "in.process@ias.co.id", active: true },
    });
    const post = async () => hook.request("/api/v1/scim/webhook", { method: "POST", body, headers: { "content-type": "application/json", "x-scim-signature": await signScimBody(secret, body) } });
    expect((await post()).status).toBe(200);
    expect(await (await post()).json()).toMatchObject({ status: "duplicate" });
    expect(await users().countDocuments({ ssoUserId: "u-in" })).toBe(1);
  });

  test("the edge's forwarder answers not-stored (503 upstream) when the runner is dead, and nothing is written", async () => {
    const forward = createHttpForwarder({ url: "http://127.0.0.1:9/api/v1/scim/events", secret: INGEST, deadlineMs: 600 });
    const r = await forward(event({ id: "e-dead", resourceId: "u-dead" }));
    expect(r.ok).toBe(false);
    expect(await users().countDocuments({ ssoUserId: "u-dead" })).toBe(0);
    expect(await events().countDocuments({ eventId: "e-dead" })).toBe(0);
  });
});

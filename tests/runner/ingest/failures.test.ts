// The ingestion API's refusals and failures against the real MongoDB-wire
// server: forged and malformed forwards change nothing, a failed event is
// retried, an unreachable MongoDB is a 500 so the event comes again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { createIngestApp } from "../../../runner/ingest/ingest-app.ts";
import { createEventApplier } from "../../../runner/ingest/apply-event.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { signScimBody } from "../../../shared/signature.ts";
import {
  INGEST_SECRET,
  type IngestHarness,
  openIngestHarness,
  userEvent,
} from "../support/ingest-harness.ts";

let h: IngestHarness;
beforeAll(async () => {
  h = await openIngestHarness("ingest_failures");
});
afterAll(async () => await h.t.drop());

describe("createIngestApp() refusals and failures", () => {
  test("createIngestApp() answers 401 to a forged forward and stores nothing", async () => {
    const before = await h.snapshot();
    const res = await h.send(
      userEvent({ id: "e-forged", resourceId: "u-forged" }),
      "not-the-ingest-secret-xx",
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid webhook signature" });
    expect(await h.snapshot()).toEqual(before);
  });

  test("createIngestApp() answers 400 with the field path to an event that fails the schema and stores nothing", async () => {
    const before = await h.snapshot();
    const res = await h.send({ ...userEvent({ id: "e-bad" }), action: "upsert" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("action");
    expect(await h.snapshot()).toEqual(before);
  });

  test("createIngestApp() retries an event whose earlier attempt failed", async () => {
    const e = userEvent({ id: "e-retry", event: "user.created", resourceId: "u-retry" });
    await h.recordEarlier(e, "failed", "MongoNetworkError");
    expect(await h.statusOf(e)).toBe("success");
    expect(await h.users().countDocuments({ ssoUserId: "u-retry" })).toBe(1);
    const recs = await h.events().find({ eventId: "e-retry" }).toArray();
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ status: "success", error: null });
  });

  test("createIngestApp() answers 500 when MongoDB cannot be reached, so the event is delivered again", async () => {
    const dead = new MongoClient("mongodb://127.0.0.1:9/", { serverSelectionTimeoutMS: 300 });
    const down = createIngestApp({
      secrets: [INGEST_SECRET],
      store: createEventApplier(createWebhookStores(dead.db("nowhere"))),
    });
    const before = await h.snapshot();
    const body = JSON.stringify(userEvent({ id: "e-down", resourceId: "u-down" }));
    const res = await down.request("/api/v1/scim/events", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-scim-signature": await signScimBody(INGEST_SECRET, body),
      },
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      status: "failed",
      error: "Event could not be applied; retry",
    });
    expect(await h.snapshot()).toEqual(before);
    await dead.close();
  });
});

describe("createIngestApp() when applying fails", () => {
  test("createIngestApp() records the event failed with the reason, answers 500, and applies it on redelivery", async () => {
    // OFM's own unique index on email, and a local account holding the address.
    await h.users().createIndex({ email: 1 }, { unique: true });
    await h.users().insertOne({
      ssoUserId: "local-only",
      email: "taken@ias.co.id",
      role: "employee",
    });
    const e = userEvent({
      id: "e-clash",
      event: "user.created",
      resourceId: "u-clash",
      email: "taken@ias.co.id",
    });
    const before = await h.users().find({}).sort({ _id: 1 }).toArray();
    const res = await h.send(e);
    expect(res.status).toBe(500);
    expect(await h.users().find({}).sort({ _id: 1 }).toArray()).toEqual(before);
    const rec = await h.events().findOne({ eventId: "e-clash" });
    expect(rec).toMatchObject({ status: "failed", action: "create", resourceId: "u-clash" });
    expect(String(rec?.error)).toMatch(/duplicate key|E11000/i);
    expect(h.lines.some((l) => l.startsWith("❌ Webhook event failed: user.created u-clash"))).toBe(
      true,
    );

    await h.users().deleteOne({ ssoUserId: "local-only" });
    expect(await h.statusOf(e)).toBe("success");
    expect(await h.users().countDocuments({ ssoUserId: "u-clash" })).toBe(1);
    expect(await h.events().countDocuments({ eventId: "e-clash" })).toBe(1);
    expect((await h.events().findOne({ eventId: "e-clash" }))?.status).toBe("success");
  });
});

describe("createEventApplier() recovery", () => {
  test("createEventApplier() takes over an event a crashed runner left processing, and finds its change already made", async () => {
    const e = userEvent({
      id: "e-crashed",
      event: "user.created",
      resourceId: "u-lost",
      phone: "+62 7",
      email: "lost@ias.co.id",
    });
    expect(await h.statusOf(e)).toBe("success");
    const written = await h.users().findOne({ ssoUserId: "u-lost" });
    expect(written).not.toBeNull();
    // What a runner killed between the change and its record leaves behind, two minutes ago.
    await h.events().updateOne({ eventId: "e-crashed" }, {
      $set: { status: "processing", processedAt: null, receivedAt: new Date(Date.now() - 120_000) },
    });

    expect(await h.statusOf(e)).toBe("success");
    expect(await h.users().find({ ssoUserId: "u-lost" }).toArray()).toEqual([written!]);
    const recs = await h.events().find({ eventId: "e-crashed" }).toArray();
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ status: "success", error: null });
    expect(await h.statusOf(e)).toBe("duplicate");
  });

  test("createEventApplier() answers failed (deliver again), not duplicate, to a delivery while another is still processing the event; duplicate once that one is done", async () => {
    const e = userEvent({
      id: "e-inflight",
      resourceId: "u-inflight",
      email: "inflight@ias.co.id",
    });
    await h.recordEarlier(e, "processing");
    const res = await h.send(e);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      status: "failed",
      error: "Event could not be applied; retry",
    });
    expect(h.lines.at(-1)).toMatch(
      /^❌ Webhook event failed: user\.updated u-inflight: event e-inflight is being applied by another delivery \(since .+Z\); deliver again/,
    );
    expect(await h.users().countDocuments({ ssoUserId: "u-inflight" })).toBe(0);
    expect(await h.events().find({ eventId: "e-inflight" }).toArray()).toMatchObject([{
      status: "processing",
    }]);
    // The other delivery ends: the next redelivery is the duplicate it now is.
    await h.events().updateOne({ eventId: "e-inflight" }, {
      $set: { status: "success", processedAt: new Date() },
    });
    expect(await h.statusOf(e)).toBe("duplicate");
  });

  test("createEventApplier() finds a user OFM replaced under a new _id by its ssoUserId", async () => {
    const created = userEvent({
      id: "e-ofm-1",
      event: "user.created",
      resourceId: "u-ofm",
      phone: "+62 1",
      email: "ofm@ias.co.id",
    });
    expect(await h.statusOf(created)).toBe("success");
    const first = await h.users().findOne({ ssoUserId: "u-ofm" });
    // OFM deletes and re-inserts the account (a new ObjectId) behind the runner's back.
    await h.users().deleteOne({ ssoUserId: "u-ofm" });
    const { _id: _, ...rest } = first as Record<string, unknown>;
    const { insertedId } = await h.users().insertOne({ ...rest });

    const later = userEvent({
      id: "e-ofm-2",
      resourceId: "u-ofm",
      phone: "+62 2",
      email: "ofm@ias.co.id",
      lastModified: "2025-10-18T11:00:00.000Z",
    });
    expect(await h.statusOf(later)).toBe("success");
    const now = await h.users().find({ ssoUserId: "u-ofm" }).toArray();
    expect(now).toHaveLength(1);
    expect(now[0]).toMatchObject({ _id: insertedId, phone: "+62 2" });
  });
});

describe("createEventApplier() after an attempt that ended without its outcome recorded", () => {
  /**
   * The webhook stores, whose first outcome write is `first`: by default it fails as if
   * MongoDB stopped answering.
   */
  const outcomeFailingOnce = (
    first: () => Promise<void> = () =>
      Promise.reject(new Error("MongoDB unavailable at MONGODB_URI: connection reset")),
  ) => {
    const stores = createWebhookStores(h.t.mongo.db);
    const recordOutcome = stores.events.recordOutcome;
    let failNext = true;
    stores.events.recordOutcome = (id, outcome) => {
      if (failNext) {
        failNext = false;
        return first();
      }
      return recordOutcome(id, outcome);
    };
    return stores;
  };
  const redelivered = (e: ReturnType<typeof userEvent>) => ({
    ...e,
    receivedAt: new Date(Date.parse(e.receivedAt) + 1_000).toISOString(),
  });

  test("a redelivery takes over at once the record its own failed attempt left processing (the outcome write failed), and applies the event once", async () => {
    const events = createEventApplier(outcomeFailingOnce());
    const e = userEvent({
      id: "e-orphan-1",
      event: "user.created",
      resourceId: "u-orphan-1",
      email: "orphan1@ias.co.id",
    });
    expect((await events.apply(e)).status).toBe("failed");
    expect((await h.events().findOne({ eventId: "e-orphan-1" }))?.status).toBe("processing");
    // Another process cannot tell this orphan from an attempt in flight: it waits STUCK_MS.
    // It is told to deliver again, not "duplicate": a 200 would end the SSO's retries.
    const other = createEventApplier(createWebhookStores(h.t.mongo.db));
    expect(await other.apply(redelivered(e))).toMatchObject({
      status: "failed",
      error: expect.stringContaining("being applied by another delivery"),
    });
    // The SSO's retry a second later, to the process whose attempt it was: applied now.
    expect(await events.apply(redelivered(e))).toMatchObject({
      status: "success",
      change: "unchanged",
    });
    expect(await h.users().countDocuments({ ssoUserId: "u-orphan-1" })).toBe(1);
    const recs = await h.events().find({ eventId: "e-orphan-1" }).toArray();
    expect(recs.map((r) => r.status)).toEqual(["success"]);
    expect((await events.apply(redelivered(e))).status).toBe("duplicate");
  });

  test("an attempt whose MongoDB write never answers is answered failed after stallMs, and the person's next delivery goes on and applies the event once", async () => {
    // The driver under Bun was seen to leave a command pending for good when its server died.
    const stores = outcomeFailingOnce(() => new Promise(() => {}));
    const events = createEventApplier(stores, { stallMs: 200 });
    const e = userEvent({
      id: "e-stall",
      event: "user.created",
      resourceId: "u-stall",
      email: "stall@ias.co.id",
    });
    expect(await events.apply(e)).toMatchObject({
      status: "failed",
      error: expect.stringContaining("User:u-stall: MongoDB had not answered this event's writes"),
    });
    expect(await events.apply(redelivered(e))).toMatchObject({
      status: "success",
      change: "unchanged",
    });
    expect(await h.users().countDocuments({ ssoUserId: "u-stall" })).toBe(1);
    expect((await h.events().find({ eventId: "e-stall" }).toArray()).map((r) => r.status))
      .toEqual(["success"]);
  });

  test("a redelivery takes over at once the record a claim left when MongoDB's answer to it was lost", async () => {
    const stores = createWebhookStores(h.t.mongo.db);
    const claim = stores.events.claim;
    let loseNext = true;
    stores.events.claim = async (record, stuckBefore, orphanedAt) => {
      const id = await claim(record, stuckBefore, orphanedAt);
      if (loseNext) {
        loseNext = false;
        throw new Error("MongoDB unavailable at MONGODB_URI: connection closed");
      }
      return id;
    };
    const events = createEventApplier(stores);
    const e = userEvent({
      id: "e-orphan-2",
      event: "user.created",
      resourceId: "u-orphan-2",
      email: "orphan2@ias.co.id",
    });
    expect((await events.apply(e)).status).toBe("failed");
    expect(await h.users().countDocuments({ ssoUserId: "u-orphan-2" })).toBe(0);
    expect(await events.apply(redelivered(e))).toMatchObject({
      status: "success",
      change: "created",
    });
    expect(await h.users().countDocuments({ ssoUserId: "u-orphan-2" })).toBe(1);
    expect((await h.events().find({ eventId: "e-orphan-2" }).toArray()).map((r) => r.status))
      .toEqual(["success"]);
  });

  test("an orphan someone else has taken over since is not taken again: the redelivery is told to deliver again", async () => {
    const events = createEventApplier(outcomeFailingOnce());
    const e = userEvent({
      id: "e-orphan-3",
      event: "user.created",
      resourceId: "u-orphan-3",
      email: "orphan3@ias.co.id",
    });
    expect((await events.apply(e)).status).toBe("failed");
    // Another replica took the record over after STUCK_MS and is applying it now.
    await h.events().updateOne({ eventId: "e-orphan-3" }, {
      $set: { status: "processing", receivedAt: new Date(Date.parse(e.receivedAt) + 90_000) },
    });
    expect(await events.apply(redelivered(e))).toMatchObject({
      status: "failed",
      error: expect.stringContaining("being applied by another delivery"),
    });
    expect(await h.users().countDocuments({ ssoUserId: "u-orphan-3" })).toBe(1);
  });
});

// `webhookEvents` persistence on the real MongoDB-wire server: the claim that
// makes an event exactly-once, its takeover after a failure, held events.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ABANDONED_AFTER_MS,
  type Claim,
  createEventStore,
  type EventStore,
  type NewEventRecord,
} from "../../../runner/store/event-store.ts";
import { EVENT_ABANDONED } from "../../../runner/store/collections.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
let events: EventStore;
const receivedAt = new Date("2025-10-18T10:00:00.000Z");
const record = (eventId: string): NewEventRecord => ({
  eventId,
  event: "user.deleted",
  resourceType: "User",
  resourceId: "u-1",
  action: "delete",
  receivedAt,
});
/** The record's id of a claim that must have been granted. */
const idOf = (c: Claim): unknown => {
  if (c.kind !== "claimed") throw new Error(`expected a granted claim, got ${JSON.stringify(c)}`);
  return c.id;
};
/** Records the claimed event `id` as held at `at` (a refused deactivation). */
const hold = (id: unknown, at = receivedAt) =>
  events.recordOutcome(id, {
    status: "held",
    processedAt: at,
    error: null,
    change: null,
    heldEvent: "{}",
  });
beforeAll(async () => {
  t = await openTestDb("event_store");
  events = createEventStore(t.mongo.db);
  await events.ensureIndexes();
});
afterAll(async () => await t.drop());

describe("createEventStore()", () => {
  test("claim() records a new event as processing; a second claim meanwhile finds it in flight, and done once it has its outcome", async () => {
    const id = idOf(await events.claim(record("e1"), new Date(0)));
    const later = { ...record("e1"), receivedAt: new Date(receivedAt.getTime() + 1000) };
    expect(await events.claim(later, new Date(0))).toEqual({
      kind: "in_flight",
      since: receivedAt,
    });
    expect(await t.mongo.db.collection("webhookEvents").findOne({ eventId: "e1" })).toMatchObject({
      status: "processing",
      error: null,
      receivedAt,
    });
    await events.recordOutcome(id, {
      status: "success",
      processedAt: receivedAt,
      error: null,
      change: "deactivated",
    });
    expect(await events.claim(later, new Date(0))).toEqual({ kind: "done" });
    expect(await events.claim(later, new Date(Date.now() + 60_000))).toEqual({ kind: "done" });
  });
  test("claim() takes over a record whose attempt failed, and one processing since before stuckBefore", async () => {
    const id = idOf(await events.claim(record("e2"), new Date(0)));
    await events.recordOutcome(id, {
      status: "failed",
      processedAt: receivedAt,
      error: "boom",
      change: null,
    });
    expect(await events.claim(record("e2"), new Date(0))).toEqual({ kind: "claimed", id });
    expect(await events.claim(record("e2"), new Date(receivedAt.getTime() + 1)))
      .toEqual({ kind: "claimed", id });
  });
  test("recordOutcome() keeps a held event and claimHeld() lets one caller take it; forced drops the held copy", async () => {
    const id = idOf(await events.claim(record("e3"), new Date(0)));
    await hold(id);
    expect((await events.held(10)).map((d) => [d.eventId, d.heldEvent])).toEqual([[
      "e3",
      undefined,
    ]]);
    expect((await events.heldToApply())[0]?.heldEvent).toBe("{}");
    expect(await events.claimHeld(id, new Date())).toBe(true);
    expect(await events.claimHeld(id, new Date())).toBe(false);
    await events.recordOutcome(id, {
      status: "success",
      processedAt: receivedAt,
      error: null,
      change: "deactivated",
      forced: true,
    });
    const doc = await t.mongo.db.collection("webhookEvents").findOne({ eventId: "e3" });
    expect(doc).toMatchObject({ status: "success", change: "deactivated", forced: true });
    expect(doc?.heldEvent).toBeUndefined();
  });
  test("claim() of a failed event delivered eight times at once lets exactly one delivery take it over", async () => {
    const id = idOf(await events.claim(record("e5"), new Date(0)));
    await events.recordOutcome(id, {
      status: "failed",
      processedAt: receivedAt,
      error: "x",
      change: null,
    });
    const later = { ...record("e5"), receivedAt: new Date(receivedAt.getTime() + 60_000) };
    const got = await Promise.all(
      Array.from({ length: 8 }, () => events.claim(later, new Date(0))),
    );
    expect(got.filter((c) => c.kind === "claimed").map((c) => String(idOf(c)))).toEqual([
      String(id),
    ]);
    // The seven others are told another delivery has it (sent again), not that it is done.
    expect(got.filter((c) => c.kind === "in_flight")).toHaveLength(7);
  });
  test("claimHeld() of one held event by eight callers at once gives it to exactly one; held again later, it can be taken again", async () => {
    const id = idOf(await events.claim(record("e6"), new Date(0)));
    await hold(id);
    const won = await Promise.all(
      Array.from({ length: 8 }, () => events.claimHeld(id, new Date())),
    );
    expect(won.filter(Boolean).length).toBe(1);
    expect(await events.claimHeld(id, new Date())).toBe(false);
    await hold(id, new Date(receivedAt.getTime() + 1000));
    expect(await events.claimHeld(id, new Date())).toBe(true);
  });
  test("a redelivery while an operator applies an event held long ago finds it in flight, not stuck; after a minute it may take it over", async () => {
    const id = idOf(await events.claim(record("e7"), new Date(0)));
    await hold(id);
    // Approved two days after the event came; the SSO's manual retry sends it again meanwhile.
    const approvedAt = new Date(receivedAt.getTime() + 2 * 86_400_000);
    expect(await events.claimHeld(id, approvedAt)).toBe(true);
    const redelivered = { ...record("e7"), receivedAt: new Date(approvedAt.getTime() + 500) };
    const stuckBefore = (now: Date) => new Date(now.getTime() - 60_000);
    expect(await events.claim(redelivered, stuckBefore(redelivered.receivedAt))).toEqual({
      kind: "in_flight",
      since: approvedAt,
    });
    const muchLater = { ...redelivered, receivedAt: new Date(approvedAt.getTime() + 61_000) };
    expect(await events.claim(muchLater, stuckBefore(muchLater.receivedAt))).toEqual({
      kind: "claimed",
      id,
    });
    expect(await t.mongo.db.collection("webhookEvents").findOne({ eventId: "e7" })).not
      .toHaveProperty("attemptAt");
  });
  test("claims made at once (one forwarded batch) are one insert: each new event gets its own id, one still processing among them is in flight", async () => {
    const first = idOf(await events.claim(record("g0"), new Date(0)));
    const got = await Promise.all(
      ["g1", "g2", "g0", "g3"].map((id) => events.claim(record(id), new Date(0))),
    );
    expect(got[2]).toEqual({ kind: "in_flight", since: receivedAt });
    const ids = got.filter((c) => c.kind === "claimed").map((c) => String(idOf(c)));
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain(String(first));
    const stored = await t.mongo.db.collection("webhookEvents")
      .find({ eventId: { $in: ["g0", "g1", "g2", "g3"] } }).toArray();
    expect(stored.map((d) => d.eventId).sort()).toEqual(["g0", "g1", "g2", "g3"]);
    // Each claim's id is the id of its own record.
    for (const [i, e] of ["g1", "g2", "g3"].entries()) {
      const doc = stored.find((d) => d.eventId === e);
      expect(String(doc?._id)).toBe(ids[i] as string);
    }
  });
  test("outcomes recorded at once land each on its own record", async () => {
    const ids = (await Promise.all(
      ["o1", "o2", "o3"].map((e) => events.claim(record(e), new Date(0))),
    )).map(idOf);
    await Promise.all(ids.map((id, i) =>
      events.recordOutcome(id, {
        status: i === 1 ? "failed" : "success",
        processedAt: receivedAt,
        error: i === 1 ? "boom" : null,
        change: `c${i}`,
      })
    ));
    const stored = await t.mongo.db.collection("webhookEvents")
      .find({ eventId: { $in: ["o1", "o2", "o3"] } }).sort({ eventId: 1 }).toArray();
    expect(stored.map((d) => [d.eventId, d.status, d.error, d.change])).toEqual([
      ["o1", "success", null, "c0"],
      ["o2", "failed", "boom", "c1"],
      ["o3", "success", null, "c2"],
    ]);
  });
  test("recent() lists the latest events first", async () => {
    expect((await events.recent(2)).length).toBe(2);
  });
});

// A week after the records above: their window of ten minutes and two days never reaches these.
const base = new Date("2025-11-01T10:00:00.000Z");
const plus = (ms: number) => new Date(base.getTime() + ms);
const MINUTE = 60_000;
const stored = (eventId: string) => t.mongo.db.collection("webhookEvents").findOne({ eventId });

describe("closeAbandoned(), records a stopped runner left processing", () => {
  test("closeAbandoned() marks failed a delivery processing for over ten minutes and nothing younger, done, or before its two-day look-back; a new delivery then takes it over at once", async () => {
    const at = (eventId: string, when: Date) =>
      events.claim({ ...record(eventId), receivedAt: when }, new Date(0));
    const left = idOf(await at("a1", base));
    idOf(await at("a2", plus(5 * MINUTE)));
    const done = idOf(await at("a3", base));
    await events.recordOutcome(done, {
      status: "success",
      processedAt: base,
      error: null,
      change: "updated",
    });
    idOf(await at("a4", plus(-3 * 86_400_000)));

    const closing = plus(ABANDONED_AFTER_MS + 1);
    expect(await events.closeAbandoned(closing)).toEqual({ failed: 1, heldAgain: 0 });
    expect(await stored("a1")).toMatchObject({
      status: "failed",
      error: EVENT_ABANDONED,
      processedAt: closing,
    });
    expect((await stored("a2"))?.status).toBe("processing");
    expect((await stored("a3"))?.status).toBe("success");
    // Older than the look-back: left as it was (the sweep after every run reached it long ago).
    expect((await stored("a4"))?.status).toBe("processing");
    // The brief's troubleshooting query now shows it.
    const failed = await t.mongo.db.collection("webhookEvents").find({ status: "failed" })
      .toArray();
    expect(failed.map((d) => d.eventId)).toContain("a1");
    // Idempotent: a second sweep (or another replica's) changes nothing.
    expect(await events.closeAbandoned(plus(ABANDONED_AFTER_MS + 2))).toEqual({
      failed: 0,
      heldAgain: 0,
    });
    // A delivery of the event now takes the record over without waiting for it to look stuck.
    const redelivered = { ...record("a1"), receivedAt: plus(20 * MINUTE) };
    expect(await events.claim(redelivered, new Date(0))).toEqual({ kind: "claimed", id: left });
    expect(await stored("a1")).toMatchObject({ status: "processing", error: null });
  });
  test("closeAbandoned() puts back on the held list an event whose apply by an operator was cut off, after ten minutes only, and the operator's next press takes it", async () => {
    const id = idOf(await events.claim({ ...record("h1"), receivedAt: base }, new Date(0)));
    await hold(id, base);
    // Days after the first case's records, so its window holds only this one.
    const pressed = plus(7 * 86_400_000);
    expect(await events.claimHeld(id, pressed)).toBe(true);
    expect(await events.closeAbandoned(new Date(pressed.getTime() + 5 * MINUTE))).toEqual({
      failed: 0,
      heldAgain: 0,
    });
    expect((await stored("h1"))?.status).toBe("processing");

    const closing = new Date(pressed.getTime() + ABANDONED_AFTER_MS + 1);
    expect(await events.closeAbandoned(closing)).toEqual({ failed: 0, heldAgain: 1 });
    const doc = await stored("h1");
    expect(doc).toMatchObject({ status: "held", processedAt: closing, heldEvent: "{}" });
    expect(doc).not.toHaveProperty("attemptAt");
    expect((await events.held(100)).map((d) => d.eventId)).toContain("h1");
    expect(await events.claimHeld(id, new Date(closing.getTime() + MINUTE))).toBe(true);
  });
});

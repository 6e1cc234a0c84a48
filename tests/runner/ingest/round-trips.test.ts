// The applier's round trips overlapped (issue 11): the resource is read while
// the event is claimed, and the outcome and the change record are written side
// by side. Against the real MongoDB-wire server: the guarantees stay — a write
// between the early read and the conditional write is a lost race decided
// again, a lost change record still makes the event "failed" (so it comes
// again), and one applied change is one change record.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type CommandStartedEvent, MongoClient } from "mongodb";
import { createEventApplier } from "../../../runner/ingest/apply-event.ts";
import { createChangeLogStore } from "../../../runner/store/change-log-store.ts";
import { serverTraits } from "../../../runner/store/server-kind.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { userEvent } from "../support/ingest-harness.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("ingest_round_trips");
});
afterAll(async () => await t.drop());

const users = () => t.mongo.db.collection("users");
const eventsColl = () => t.mongo.db.collection("webhookEvents");
const changesColl = () => t.mongo.db.collection("syncChanges");

describe("createEventApplier() with overlapped round trips", () => {
  test("apply() records one change and a success outcome when an update changes the user", async () => {
    const events = createEventApplier(createWebhookStores(t.mongo.db), {
      changes: createChangeLogStore(t.mongo.db, { ttlDays: 90 }),
    });
    await events.ensureIndexes();
    const create = userEvent({ id: "rt-1", event: "user.created", resourceId: "u-rt1" });
    expect((await events.apply(create)).status).toBe("success");
    const update = userEvent({
      id: "rt-2",
      resourceId: "u-rt1",
      phone: "+62 2",
      lastModified: "2025-10-18T11:00:00.000Z",
    });
    expect(await events.apply(update)).toEqual({
      status: "success",
      change: "updated",
      subject: "john.doe@ias.co.id",
    });
    expect(await changesColl().countDocuments({ resourceId: "u-rt1" })).toBe(2);
    const rec = await changesColl().findOne({ "source.eventId": "rt-2" });
    expect(rec?.values).toEqual({ phone: { old: "+62 1", new: "+62 2" } });
    expect(await eventsColl().findOne({ eventId: "rt-2" })).toMatchObject({
      status: "success",
      change: "updated",
    });
  });

  test("apply() reports failed and marks the event failed when the change record cannot be written", async () => {
    const events = createEventApplier(createWebhookStores(t.mongo.db), {
      changes: { record: () => Promise.reject(new Error("syncChanges unavailable")) },
    });
    const e = userEvent({ id: "rt-3", event: "user.created", resourceId: "u-rt3" });
    const r = await events.apply(e);
    expect(r).toEqual({
      status: "failed",
      error: "recording the change: syncChanges unavailable",
    });
    expect(await eventsColl().findOne({ eventId: "rt-3" })).toMatchObject({
      status: "failed",
      error: "recording the change: syncChanges unavailable",
    });
    // Delivered again: the failed claim is taken over and finds the user already written.
    const again = createEventApplier(createWebhookStores(t.mongo.db));
    expect(await again.apply(e)).toMatchObject({ status: "success", change: "unchanged" });
    expect(await users().countDocuments({ ssoUserId: "u-rt3" })).toBe(1);
  });

  test("apply() decides again when the user changed between the early read and the write", async () => {
    const base = createEventApplier(createWebhookStores(t.mongo.db));
    await base.apply(userEvent({ id: "rt-4", event: "user.created", resourceId: "u-rt4" }));
    const stores = createWebhookStores(t.mongo.db);
    const read = stores.resources.read;
    let reads = 0;
    // Another writer lands a newer version right after the first (early) read.
    stores.resources.read = async (type, key) => {
      const stored = await read(type, key);
      if (reads++ === 0) {
        await users().updateOne({ ssoUserId: "u-rt4" }, {
          $set: { phone: "+62 newer", scimLastModified: new Date("2025-10-18T12:00:00.000Z") },
        });
      }
      return stored;
    };
    const events = createEventApplier(stores);
    const older = userEvent({
      id: "rt-5",
      resourceId: "u-rt4",
      phone: "+62 older",
      lastModified: "2025-10-18T11:00:00.000Z",
    });
    expect(await events.apply(older)).toMatchObject({ status: "stale" });
    expect(reads).toBe(2);
    expect((await users().findOne({ ssoUserId: "u-rt4" }))?.phone).toBe("+62 newer");
  });
});

describe("createEventApplier() grouping one forwarded batch's commands", () => {
  test("a batch of 20 updates applied at once costs one claim insert, one read, one guarded update (one each on FerretDB), one outcome write and one change insert for all", async () => {
    // A client of its own, watching every command it sends (the driver's command monitoring).
    const client = new MongoClient(t.uri, { monitorCommands: true });
    await client.connect();
    try {
      const db = client.db(t.name);
      const events = createEventApplier(createWebhookStores(db), {
        changes: createChangeLogStore(db, { ttlDays: 90 }),
      });
      await events.ensureIndexes();
      const ids = Array.from({ length: 20 }, (_, i) => `u-gc${i}`);
      await Promise.all(
        ids.map((resourceId, i) =>
          events.apply(
            userEvent({
              id: `gc-c${i}`,
              event: "user.created",
              resourceId,
              email: `gc${i}@ias.co.id`,
            }),
          )
        ),
      );
      const { atomicUpdates } = await serverTraits(db);
      const sent: string[] = [];
      client.on("commandStarted", (c: CommandStartedEvent) => {
        const coll = c.command[c.commandName];
        sent.push(`${c.commandName} ${typeof coll === "string" ? coll : ""}`);
      });
      const results = await Promise.all(ids.map((resourceId, i) =>
        events.apply(userEvent({
          id: `gc-u${i}`,
          resourceId,
          email: `gc${i}@ias.co.id`,
          phone: `+62 9${i}`,
          lastModified: "2025-10-18T11:00:00.000Z",
        }))
      ));
      expect(results.map((r) => r.status + " " + r.change)).toEqual(
        ids.map(() => "success updated"),
      );
      const count = (cmd: string) => sent.filter((s) => s === cmd).length;
      // Started together: one insert claims all 20, one find reads them all.
      expect(count("insert webhookEvents")).toBe(1);
      expect(count("find users")).toBe(1);
      // The guarded updates are one command where updates are atomic (guarded-update.ts); on
      // FerretDB one each, and then outcomes and change records leave with the updates
      // acknowledged in the same turn.
      expect(count("update users")).toBe(atomicUpdates ? 1 : 20);
      if (atomicUpdates) expect(count("update webhookEvents")).toBe(1);
      else expect(count("update webhookEvents")).toBeLessThanOrEqual(20);
      expect(count("insert syncChanges")).toBe(count("update webhookEvents"));
      // And the store asks the server's kind once in its life.
      expect(count("buildInfo ")).toBe(1);
      expect(sent.length).toBe(
        3 + count("update users") + 2 * count("update webhookEvents"),
      );
      // Each event's own record and change landed.
      expect(
        await db.collection("webhookEvents").countDocuments({
          eventId: /^gc-u/,
          status: "success",
          change: "updated",
        }),
      ).toBe(20);
      expect(await db.collection("syncChanges").countDocuments({ "source.eventId": /^gc-u/ })).toBe(
        20,
      );
      expect((await db.collection("users").findOne({ ssoUserId: "u-gc7" }))?.phone).toBe("+62 97");
    } finally {
      await client.close();
    }
  });
});

// The ingestion API and the event store with user events, against the real
// MongoDB-wire server: exactly once, stale and out-of-order events, soft
// deletes, deactivation, concurrent events, excluded fields.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { contentHash, userHashFields } from "../../../runner/content-hash.ts";
import { createEventApplier } from "../../../runner/ingest/apply-event.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { type IngestHarness, openIngestHarness, userEvent } from "../support/ingest-harness.ts";

let h: IngestHarness;
// The store's clock moves only when a test moves it: a rewrite of a timestamp shows.
const clock = { ms: Date.now() };
beforeAll(async () => {
  h = await openIngestHarness("ingest", {
    superAdminEmails: ["Boss@IAS.co.id"],
    now: () => new Date(clock.ms),
  });
});
afterAll(async () => await h.t.drop());

describe("createIngestApp() with users", () => {
  test("createIngestApp() creates the user with every synced field, its role and one success record", async () => {
    const e = userEvent({
      id: "e-create",
      event: "user.created",
      email: "boss@ias.co.id",
      resourceId: "u-boss",
    });
    const res = await h.send(e);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "success", eventId: "e-create" });
    const doc = await h.users().findOne({ ssoUserId: "u-boss" });
    expect(doc).toMatchObject({
      email: "boss@ias.co.id",
      firstName: "John",
      lastName: "Doe",
      isActive: true,
      phone: "+62 1",
      role: "super_admin",
      syncSource: "webhook",
      deactivatedAt: null,
      syncHash: contentHash(e.user!, userHashFields([])),
    });
    expect(doc?.scimLastModified).toEqual(new Date("2025-10-18T10:00:00.000Z"));
    expect(doc?.createdAt).toBeInstanceOf(Date);
    const ev = await h.events().find({ eventId: "e-create" }).toArray();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({
      event: "user.created",
      resourceType: "User",
      resourceId: "u-boss",
      action: "create",
      status: "success",
      error: null,
    });
    expect(ev[0]?.receivedAt).toBeInstanceOf(Date);
    expect(ev[0]?.processedAt).toBeInstanceOf(Date);
    expect(h.lines).toContain("✅ User created via webhook: boss@ias.co.id");
  });

  test("createIngestApp() updates the user, keeps role and createdAt, and logs the guide's line", async () => {
    await h.send(
      userEvent({ id: "e-u1-a", event: "user.created", lastModified: "2025-10-18T09:00:00.000Z" }),
    );
    const before = await h.users().findOne({ ssoUserId: "u-1" });
    h.lines = [];
    expect(
      await h.statusOf(
        userEvent({ id: "e-u1-b", phone: "+62 222", lastModified: "2025-10-18T10:00:00.000Z" }),
      ),
    ).toBe("success");
    const after = await h.users().findOne({ ssoUserId: "u-1" });
    expect(after).toMatchObject({
      phone: "+62 222",
      role: "employee",
      createdAt: before?.createdAt,
    });
    expect(h.lines).toEqual(["✅ User updated via webhook: john.doe@ias.co.id"]);
  });

  test("createIngestApp() answers duplicate and writes nothing on a replay of an applied event", async () => {
    const before = await h.snapshot();
    const res = await h.send(
      userEvent({ id: "e-u1-b", phone: "+62 999", lastModified: "2025-10-18T11:00:00.000Z" }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "duplicate" });
    expect(await h.snapshot()).toEqual(before);
  });

  test("createIngestApp() records an older event as stale and leaves the user unchanged", async () => {
    const before = await h.users().findOne({ ssoUserId: "u-1" });
    expect(
      await h.statusOf(
        userEvent({ id: "e-u1-old", phone: "+62 old", lastModified: "2025-10-18T09:30:00.000Z" }),
      ),
    ).toBe("stale");
    expect(await h.users().findOne({ ssoUserId: "u-1" })).toEqual(before);
    expect((await h.events().findOne({ eventId: "e-u1-old" }))?.status).toBe("stale");
  });

  test("createIngestApp() moves the version forward when the content is unchanged, so an older event is stale", async () => {
    expect(
      await h.statusOf(
        userEvent({ id: "e-u1-same", phone: "+62 222", lastModified: "2025-10-18T10:30:00.000Z" }),
      ),
    ).toBe("success");
    expect((await h.users().findOne({ ssoUserId: "u-1" }))?.scimLastModified).toEqual(
      new Date("2025-10-18T10:30:00.000Z"),
    );
    expect(
      await h.statusOf(
        userEvent({
          id: "e-u1-between",
          phone: "+62 333",
          lastModified: "2025-10-18T10:15:00.000Z",
        }),
      ),
    ).toBe("stale");
  });

  test("createIngestApp() soft-deletes on user.deleted and logs it with the email", async () => {
    h.lines = [];
    expect(
      await h.statusOf(
        userEvent({ id: "e-u1-del", event: "user.deleted", timestamp: "2025-10-18T12:00:00.000Z" }),
      ),
    ).toBe("success");
    const doc = await h.users().findOne({ ssoUserId: "u-1" });
    expect(doc).toMatchObject({ isActive: false, phone: "+62 222", syncSource: "webhook" });
    expect(doc?.deactivatedAt).toBeInstanceOf(Date);
    expect(h.lines).toEqual(["✅ User deleted via webhook: john.doe@ias.co.id"]);
  });

  test("createIngestApp() treats an update older than the delete as stale: the user stays deleted", async () => {
    expect(
      await h.statusOf(
        userEvent({ id: "e-u1-late", phone: "+62 late", lastModified: "2025-10-18T11:00:00.000Z" }),
      ),
    ).toBe("stale");
    expect(await h.users().findOne({ ssoUserId: "u-1" })).toMatchObject({
      isActive: false,
      phone: "+62 222",
    });
  });

  test("createIngestApp() records a delete of an unknown user as success and creates nothing", async () => {
    expect(
      await h.statusOf(userEvent({ id: "e-ghost", event: "user.deleted", resourceId: "u-ghost" })),
    ).toBe("success");
    expect(await h.users().countDocuments({ ssoUserId: "u-ghost" })).toBe(0);
    expect((await h.events().findOne({ eventId: "e-ghost" }))?.status).toBe("success");
  });

  test("createIngestApp() sets deactivatedAt when a user becomes inactive and keeps it while inactive", async () => {
    await h.send(
      userEvent({
        id: "e-u2-a",
        event: "user.created",
        resourceId: "u-2",
        lastModified: "2025-10-18T09:00:00.000Z",
      }),
    );
    await h.send(
      userEvent({
        id: "e-u2-b",
        resourceId: "u-2",
        active: false,
        lastModified: "2025-10-18T10:00:00.000Z",
      }),
    );
    const first = (await h.users().findOne({ ssoUserId: "u-2" }))?.deactivatedAt;
    expect(first).toBeInstanceOf(Date);
    clock.ms += 60_000; // a rewritten deactivatedAt would now differ from the first
    await h.send(
      userEvent({
        id: "e-u2-c",
        resourceId: "u-2",
        active: false,
        phone: "+62 new",
        lastModified: "2025-10-18T11:00:00.000Z",
      }),
    );
    expect(await h.users().findOne({ ssoUserId: "u-2" })).toMatchObject({
      isActive: false,
      phone: "+62 new",
      deactivatedAt: first,
    });
    await h.send(
      userEvent({
        id: "e-u2-d",
        resourceId: "u-2",
        active: true,
        lastModified: "2025-10-18T12:00:00.000Z",
      }),
    );
    expect(await h.users().findOne({ ssoUserId: "u-2" })).toMatchObject({
      isActive: true,
      deactivatedAt: null,
    });
  });

  test("createIngestApp() ends with the newest version when updates of one user arrive together", async () => {
    await h.send(
      userEvent({
        id: "e-u3-0",
        event: "user.created",
        resourceId: "u-3",
        lastModified: "2025-10-18T08:00:00.000Z",
      }),
    );
    const hours = [9, 13, 10, 12, 11];
    const statuses = await Promise.all(
      hours.map((hour) =>
        h.statusOf(
          userEvent({
            id: `e-u3-${hour}`,
            resourceId: "u-3",
            phone: `+62 ${hour}`,
            lastModified: `2025-10-18T${String(hour).padStart(2, "0")}:00:00.000Z`,
          }),
        )
      ),
    );
    expect(statuses.every((s) => s === "success" || s === "stale")).toBe(true);
    expect((await h.users().findOne({ ssoUserId: "u-3" }))?.phone).toBe("+62 13");
    expect(await h.users().countDocuments({ ssoUserId: "u-3" })).toBe(1);
  });

  test("createIngestApp() creates a new user once when two of its events arrive together", async () => {
    const [a, b] = await Promise.all([
      h.statusOf(
        userEvent({
          id: "e-u4-a",
          event: "user.created",
          resourceId: "u-4",
          lastModified: "2025-10-18T09:00:00.000Z",
        }),
      ),
      h.statusOf(
        userEvent({
          id: "e-u4-b",
          resourceId: "u-4",
          phone: "+62 4",
          lastModified: "2025-10-18T10:00:00.000Z",
        }),
      ),
    ]);
    // The newer event always lands; the older one lands first or is stale after it.
    expect(b).toBe("success");
    expect(["success", "stale"]).toContain(a);
    expect(await h.users().countDocuments({ ssoUserId: "u-4" })).toBe(1);
    expect((await h.users().findOne({ ssoUserId: "u-4" }))?.phone).toBe("+62 4");
  });
});

describe("createEventApplier() options", () => {
  test("createEventApplier() writes excluded fields on insert only and hashes without them", async () => {
    const store = createEventApplier(createWebhookStores(h.t.mongo.db), {
      excludeFields: ["phone"],
    });
    await store.apply(
      userEvent({
        id: "e-x-a",
        event: "user.created",
        resourceId: "u-x",
        phone: "+62 first",
        lastModified: "2025-10-18T09:00:00.000Z",
      }),
    );
    const second = userEvent({
      id: "e-x-b",
      resourceId: "u-x",
      phone: "+62 second",
      email: "x@ias.co.id",
      lastModified: "2025-10-18T10:00:00.000Z",
    });
    expect(await store.apply(second)).toMatchObject({ status: "success", change: "updated" });
    const doc = await h.users().findOne({ ssoUserId: "u-x" });
    expect(doc).toMatchObject({
      phone: "+62 first",
      email: "x@ias.co.id",
      syncHash: contentHash(second.user!, userHashFields(["phone"])),
    });
  });
});

// The webhook path's persistence on the real MongoDB-wire server: reads by
// key, inserts and version-guarded updates that report a lost race as "raced".
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DuplicateKeyError } from "../../../runner/store/driver-errors.ts";
import { createResourceStore, type ResourceStore } from "../../../runner/store/resource-store.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
let resources: ResourceStore;
const v1 = new Date("2025-10-18T10:00:00.000Z");
beforeAll(async () => {
  t = await openTestDb("resource_store");
  resources = createResourceStore(t.mongo.db);
  await resources.ensureIndexes();
  await t.mongo.db.collection("users").createIndex({ email: 1 }, { unique: true });
});
afterAll(async () => await t.drop());

describe("createResourceStore()", () => {
  test("read() gives null for an unknown key and the stored version, hash and subject for a known one", async () => {
    expect(await resources.read("User", "nobody")).toBeNull();
    expect(
      await resources.insert("User", "u-1", {
        ssoUserId: "u-1",
        email: "a@ias.co.id",
        scimLastModified: v1,
        syncHash: "h1",
        isActive: true,
      }),
    )
      .toBe("written");
    expect(await resources.read("User", "u-1")).toMatchObject({
      scimLastModified: v1,
      syncHash: "h1",
      isActive: true,
      subject: "a@ias.co.id",
    });
  });
  test("insert() answers raced when the resource's key was taken meanwhile, and throws DuplicateKeyError for another unique clash", async () => {
    expect(await resources.insert("User", "u-1", { ssoUserId: "u-1", email: "b@ias.co.id" })).toBe(
      "raced",
    );
    await expect(resources.insert("User", "u-2", { ssoUserId: "u-2", email: "a@ias.co.id" }))
      .rejects.toBeInstanceOf(DuplicateKeyError);
  });
  test("updateIfVersion() writes while the version holds and answers raced once another write moved it", async () => {
    const stored = (await resources.read("User", "u-1"))!;
    expect(
      await resources.updateIfVersion("User", stored, {
        phone: "+62 2",
        scimLastModified: new Date("2025-10-18T11:00:00.000Z"),
      }),
    )
      .toBe("written");
    expect(await resources.updateIfVersion("User", stored, { phone: "+62 3" })).toBe("raced");
    expect((await t.mongo.db.collection("users").findOne({ ssoUserId: "u-1" }))?.phone).toBe(
      "+62 2",
    );
  });
  test("countActive() counts the active documents of the type", async () => {
    await resources.insert("Group", "g-1", { _id: "g-1", unitName: "Finance", isActive: true });
    await resources.insert("Group", "g-2", { _id: "g-2", unitName: "Old", isActive: false });
    expect(await resources.countActive("Group")).toBe(1);
    expect((await resources.read("Group", "g-1"))?.subject).toBe("Finance");
  });
  test("reads made at once (one forwarded batch) each get their own resource: cached ids, replaced documents, unknown keys, org units", async () => {
    const users = t.mongo.db.collection("users");
    const store = createResourceStore(t.mongo.db);
    const doc = (k: string, email: string) => ({
      ssoUserId: k,
      email,
      scimLastModified: v1,
      syncHash: `h-${k}`,
      isActive: true,
    });
    for (const k of ["b1", "b2", "b3", "b4"]) await users.insertOne(doc(k, `${k}@ias.co.id`));
    // b1 and b2 read once: their _id is cached. Then OFM replaces b2's document (a new _id).
    await Promise.all([store.read("User", "b1"), store.read("User", "b2")]);
    await users.deleteOne({ ssoUserId: "b2" });
    await users.insertOne(doc("b2", "b2-new@ias.co.id"));
    await store.insert("Group", "gb-1", { _id: "gb-1", unitName: "Batch A", isActive: true });
    await store.insert("Group", "gb-2", { _id: "gb-2", unitName: "Batch B", isActive: false });
    const got = await Promise.all([
      store.read("User", "b1"),
      store.read("User", "b2"),
      store.read("User", "b3"),
      store.read("User", "nobody-b"),
      store.read("User", "b4"),
      store.read("Group", "gb-2"),
      store.read("Group", "gb-1"),
      store.read("Group", "gb-none"),
    ]);
    expect(got.map((v) => v?.subject ?? null)).toEqual([
      "b1@ias.co.id",
      "b2-new@ias.co.id",
      "b3@ias.co.id",
      null,
      "b4@ias.co.id",
      "Batch B",
      "Batch A",
      null,
    ]);
    expect(got[4]).toMatchObject({ syncHash: "h-b4", scimLastModified: v1, isActive: true });
    // The version read is the one a guarded update needs.
    expect(await store.updateIfVersion("User", got[1]!, { phone: "+62 9" })).toBe("written");
    expect((await users.findOne({ ssoUserId: "b2" }))?.phone).toBe("+62 9");
  });
});

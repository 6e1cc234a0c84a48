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
});

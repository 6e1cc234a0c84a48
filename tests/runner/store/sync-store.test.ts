// The index read of a full sync on the real MongoDB-wire server: every user
// with its hash, flag and (on FerretDB, where updates go by _id) its _id, and
// the memory check called as batches arrive.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ObjectId } from "mongodb";
import { createSyncStore } from "../../../runner/store/sync-store.ts";
import { encodeDocId } from "../../../runner/store/doc-id-codec.ts";
import { isFerretDb, openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("sync_store_index");
});
afterAll(async () => await t.drop());

describe("createSyncStore().userIndex()", () => {
  test("userIndex() reads every user as a packed entry, _id only on FerretDB, and runs the memory check every 5,000 documents", async () => {
    const users = t.mongo.db.collection("users");
    const ids = Array.from({ length: 12_000 }, () => new ObjectId());
    await users.insertMany(ids.map((_id, i) => ({
      _id,
      ssoUserId: `u-${i}`,
      email: `u${i}@ias.co.id`,
      syncHash: `h${i}`,
      isActive: i % 3 !== 0,
    })));
    await users.insertOne({ email: "local@ias.co.id" }); // OFM's own account: no ssoUserId, not indexed
    let checks = 0;
    const index = await createSyncStore(t.mongo.db, {
      superAdminEmails: [],
      userUpdateFields: ["email"],
    })
      .userIndex(() => checks++);
    expect(index.size).toBe(12_000);
    expect(index.get("u-7")).toEqual({
      key: "u-7",
      syncHash: "h7",
      isActive: true,
      ...(await isFerretDb(t) ? { id: encodeDocId(ids[7]!) } : {}),
    });
    expect(index.get("u-9")?.isActive).toBe(false);
    expect(index.countActive()).toBe(8_000);
    expect(checks).toBe(2);
  });
});

// Driver errors become typed errors at the store's boundary, on the real
// MongoDB-wire server (and a port where nothing listens).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import {
  DuplicateKeyError,
  duplicateKeyOf,
  StoreError,
  StoreUnavailableError,
  translateDriverError,
  translateDriverErrors,
} from "../../../runner/store/driver-errors.ts";
import { createResourceStore } from "../../../runner/store/resource-store.ts";
import { isFerretDb, openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("driver_errors");
});
afterAll(async () => await t.drop());

describe("translateDriverError()", () => {
  test("translateDriverError() gives StoreUnavailableError when no server can be selected", async () => {
    const dead = new MongoClient("mongodb://127.0.0.1:1", { serverSelectionTimeoutMS: 200 });
    const e = await dead.db("x").collection("c").findOne({}).catch(translateDriverError);
    await dead.close();
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect((e as StoreUnavailableError).code).toBe("STORE_UNAVAILABLE");
  });
  test("translateDriverError() gives DuplicateKeyError naming the key when a unique index refuses a write", async () => {
    const col = t.mongo.db.collection("dups");
    await col.createIndex({ email: 1 }, { unique: true });
    await col.insertOne({ email: "a@ias.co.id" });
    const e = await col.insertOne({ email: "a@ias.co.id" }).catch(translateDriverError);
    expect(e).toBeInstanceOf(DuplicateKeyError);
    expect((e as DuplicateKeyError).code).toBe("STORE_DUPLICATE_KEY");
    if (await isFerretDb(t)) {
      // FerretDB 1.24's refusal names neither key nor index; the message still says what happened.
      expect((e as DuplicateKeyError).key).toBeNull();
      expect((e as DuplicateKeyError).message).toContain("same unique value");
    } else {
      expect((e as DuplicateKeyError).key).toContain("a@ias.co.id");
    }
  });
  test("translateDriverError() gives StoreError with the server's code for any other refusal", async () => {
    const e = await t.mongo.db.command({ noSuchCommand: 1 }).catch(translateDriverError);
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).code).toBe("STORE_FAILED");
    expect((e as StoreError).driverCode).not.toBeNull();
  });
  test("translateDriverError() returns an error that is not the driver's as it is", () => {
    const own = new RangeError("x");
    expect(translateDriverError(own)).toBe(own);
  });
});

describe("duplicateKeyOf()", () => {
  test("duplicateKeyOf() reads the key from the message when the server sends no keyValue", () => {
    expect(
      duplicateKeyOf({
        errmsg: 'E11000 duplicate key error index: email_1 dup key: { email: "a@x" }',
      }),
    )
      .toBe('{ email: "a@x" }');
    expect(duplicateKeyOf({ message: "E11000" })).toBeNull();
  });
});

describe("translateDriverErrors()", () => {
  test("translateDriverErrors() makes a store's methods reject with typed errors and keeps sync results", async () => {
    const dead = new MongoClient("mongodb://127.0.0.1:1", { serverSelectionTimeoutMS: 200 });
    const resources = createResourceStore(dead.db("x"));
    await expect(resources.read("User", "u-1")).rejects.toBeInstanceOf(StoreUnavailableError);
    await dead.close();
    expect(translateDriverErrors({ twice: (n: number) => n * 2 }).twice(2)).toBe(4);
  });
});

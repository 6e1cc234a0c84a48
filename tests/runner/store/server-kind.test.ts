// The store's choices by server: FerretDB's 50-statement limit and its updates by `_id`
// apply to FerretDB alone; asked of the real test server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  FERRETDB_UPDATE_CHUNK,
  isFerretDb,
  MONGODB_UPDATE_CHUNK,
  serverTraits,
} from "../../../runner/store/server-kind.ts";
import { isFerretDb as testServerIsFerretDb, openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("server_kind");
});
afterAll(async () => await t.drop());

describe("isFerretDb()", () => {
  test("isFerretDb() knows FerretDB by the ferretdb section of its buildInfo, and nothing else", () => {
    expect(isFerretDb({ version: "7.0.77", ferretdbVersion: "v1.24.0" })).toBe(true);
    expect(isFerretDb({ version: "7.0.77", ferretdb: { version: "v2.0.0" } })).toBe(true);
    expect(isFerretDb({ version: "5.0.0", gitVersion: "abc", modules: [] })).toBe(false);
  });
});

describe("serverTraits()", () => {
  test("serverTraits() keeps FerretDB's chunk of 50, updates by _id and non-atomic updates on FerretDB only", async () => {
    const ferret = await testServerIsFerretDb(t);
    expect(await serverTraits(t.mongo.db)).toEqual({
      updateChunk: ferret ? FERRETDB_UPDATE_CHUNK : MONGODB_UPDATE_CHUNK,
      updatesById: ferret,
      atomicUpdates: !ferret,
    });
  });

  test("serverTraits() falls back to FerretDB's when the server does not answer buildInfo", async () => {
    const db = { command: () => Promise.reject(new Error("no such command")) };
    expect(await serverTraits(db as never)).toEqual({
      updateChunk: FERRETDB_UPDATE_CHUNK,
      updatesById: true,
      atomicUpdates: false,
    });
  });
});

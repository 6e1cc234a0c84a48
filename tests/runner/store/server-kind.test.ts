// The store's choice of update chunk by server: FerretDB's 50-statement limit applies to
// FerretDB alone; asked of the real test server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  FERRETDB_UPDATE_CHUNK,
  isFerretDb,
  MONGODB_UPDATE_CHUNK,
  updateChunkSize,
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

describe("updateChunkSize()", () => {
  test("updateChunkSize() keeps FerretDB's chunk of 50 on FerretDB only, and 1,000 elsewhere", async () => {
    const expected = (await testServerIsFerretDb(t)) ? FERRETDB_UPDATE_CHUNK : MONGODB_UPDATE_CHUNK;
    expect(await updateChunkSize(t.mongo.db)).toBe(expected);
  });

  test("updateChunkSize() falls back to FerretDB's chunk when the server does not answer buildInfo", async () => {
    const db = { command: () => Promise.reject(new Error("no such command")) };
    expect(await updateChunkSize(db as never)).toBe(FERRETDB_UPDATE_CHUNK);
  });
});

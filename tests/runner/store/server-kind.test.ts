// The store's choices by server: FerretDB's 50-statement limit and its updates by `_id`
// apply to FerretDB alone; asked of the real test server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  FERRETDB_UPDATE_CHUNK,
  isFerretDb,
  MONGODB_UPDATE_CHUNK,
  serverTraits,
  serverTraitsOnce,
} from "../../../runner/store/server-kind.ts";
import { MongoNetworkError, MongoServerError } from "mongodb";
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

  test("serverTraitsOnce() asks once the server has answered, but asks again after a probe that got no answer", async () => {
    const ferret = await testServerIsFerretDb(t);
    let asked = 0;
    // MongoDB unreachable at the first probe (a connection reset), then the real server.
    const db = {
      command: (c: Record<string, unknown>) =>
        asked++ === 0
          ? Promise.reject(new MongoNetworkError("connection reset"))
          : t.mongo.db.command(c),
    };
    const traits = serverTraitsOnce(db as never);
    // No answer: the careful traits, for this call only.
    expect((await traits()).updateChunk).toBe(FERRETDB_UPDATE_CHUNK);
    const answered = await traits();
    expect(answered).toEqual(await serverTraits(t.mongo.db));
    expect(answered.atomicUpdates).toBe(!ferret);
    await Promise.all([traits(), traits(), traits()]);
    expect(asked).toBe(2);
  });

  test("serverTraitsOnce() remembers a server that refuses buildInfo as FerretDB: it answered", async () => {
    let asked = 0;
    const db = {
      command: () => {
        asked++;
        return Promise.reject(
          new MongoServerError({ errmsg: "no such command: buildInfo", code: 59 }),
        );
      },
    };
    const traits = serverTraitsOnce(db as never);
    expect((await traits()).updatesById).toBe(true);
    expect((await traits()).atomicUpdates).toBe(false);
    expect(asked).toBe(1);
  });
});

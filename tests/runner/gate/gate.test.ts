// The one deactivation gate on the real MongoDB-wire server: many callers at once, in one
// process and through separate connections (as replicas), never pass the limit.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createGate, type GateTicket } from "../../../runner/gate/gate.ts";
import { createGateStore } from "../../../runner/store/gate-store.ts";
import { connectMongo, type MongoHandle } from "../../../runner/store/mongo.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
let second: MongoHandle;
beforeAll(async () => {
  t = await openTestDb("gate");
  // A second connection pool stands for a second replica.
  second = await connectMongo(t.uri, t.name);
});
afterAll(async () => {
  await second.close();
  await t.drop();
});

const DAY = 86_400_000;
const T0 = Date.parse("2025-10-18T00:00:00Z");

/** A gate over its own database with `active` sync-owned users. */
async function gateDb(name: string, active: number) {
  const db = t.mongo.db.client.db(`${t.name}_${name}`);
  if (active > 0) {
    await db.collection("users").insertMany(
      Array.from({ length: active }, (_, i) => ({ ssoUserId: `u${i}`, isActive: true })),
    );
  }
  // OFM's own accounts: never part of the baseline.
  await db.collection("users").insertMany([{ email: "admin@ofm" }, {
    email: "ops@ofm",
    isActive: true,
  }]);
  return db;
}

describe("createGate()", () => {
  test("reserve() grants exactly the limit to 10 parallel callers, every round", async () => {
    const db = await gateDb("parallel", 100);
    const clock = { ms: T0 };
    const gate = createGate(createGateStore(db), {
      limit: { kind: "count", value: 5 },
      windowMs: DAY,
      now: () => new Date(clock.ms),
    });
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        Array.from(
          { length: 10 },
          (_, i) => gate.reserve({ kind: "users", n: 1, by: `r${round}:${i}` }),
        ),
      );
      expect(answers.filter((a) => a.granted).length).toBe(5);
      for (const a of answers) if (a.granted) await (a as GateTicket).settle(1);
      // The window moves on: the next round starts with an empty window.
      clock.ms += DAY + 1;
    }
  });

  test("reserve() through two connections (two replicas) never passes the limit", async () => {
    const db = await gateDb("replicas", 100);
    const db2 = second.db.client.db(db.databaseName);
    for (let round = 0; round < 5; round++) {
      const now = () => new Date(T0 + round * (DAY + 1));
      const policy = { limit: { kind: "count" as const, value: 5 }, windowMs: DAY, now };
      const a = createGate(createGateStore(db), policy);
      const b = createGate(createGateStore(db2), policy);
      const answers = await Promise.all(
        Array.from(
          { length: 12 },
          (_, i) => (i % 2 ? a : b).reserve({ kind: "users", n: 1, by: `r${round}:${i}` }),
        ),
      );
      expect(answers.filter((x) => x.granted).length).toBe(5);
    }
  });

  test("reserve() counts settled writes over the rolling window, not reservations released", async () => {
    const db = await gateDb("window", 100);
    const clock = { ms: T0 };
    const gate = createGate(createGateStore(db), {
      limit: { kind: "count", value: 10 },
      windowMs: DAY,
      now: () => new Date(clock.ms),
    });
    const first = await gate.reserve({ kind: "users", n: 8, by: "sync:1" });
    expect(first.granted).toBe(true);
    // MongoDB acknowledged 6 of the 8: the window counts 6.
    await (first as GateTicket).settle(6);
    expect((await gate.figures("users")).counted).toBe(6);
    expect((await gate.reserve({ kind: "users", n: 5, by: "sync:2" })).granted).toBe(false);
    const ok = await gate.reserve({ kind: "users", n: 4, by: "sync:3" });
    expect(ok.granted).toBe(true);
    await (ok as GateTicket).settle(4);
    clock.ms += 12 * 3_600_000;
    expect((await gate.reserve({ kind: "users", n: 1, by: "hook:1" })).granted).toBe(false);
    // A day after the first writes they leave the window.
    clock.ms += 12 * 3_600_000 + 61_000;
    expect((await gate.reserve({ kind: "users", n: 6, by: "sync:4" })).granted).toBe(true);
  });

  test("reserve() passes forced work and does not count it against later callers", async () => {
    const db = await gateDb("forced", 50);
    const gate = createGate(createGateStore(db), {
      limit: { kind: "count", value: 2 },
      windowMs: DAY,
      now: () => new Date(T0),
    });
    const forced = await gate.reserve({ kind: "users", n: 30, by: "operator", forced: true });
    expect(forced.granted).toBe(true);
    await (forced as GateTicket).settle(30);
    const f = await gate.figures("users");
    expect(f.counted).toBe(0);
    expect((await gate.reserve({ kind: "users", n: 2, by: "hook" })).granted).toBe(true);
  });

  test("reserve() holds a percentage of the sync's own active users, not OFM's accounts", async () => {
    const db = await gateDb("percent", 10);
    const gate = createGate(createGateStore(db), {
      limit: { kind: "percent", value: 20 },
      windowMs: DAY,
      now: () => new Date(T0),
    });
    const figures = await gate.figures("users");
    expect(figures.baseline).toBe(10);
    expect(figures.allowed).toBe(2);
    expect((await gate.reserve({ kind: "users", n: 3, by: "sync" })).granted).toBe(false);
    expect((await gate.reserve({ kind: "users", n: 2, by: "sync" })).granted).toBe(true);
  });

  test("reserve() counts a reservation that was never settled (its writer died)", async () => {
    const db = await gateDb("dead", 100);
    const clock = { ms: T0 };
    const opts = {
      limit: { kind: "count" as const, value: 3 },
      windowMs: DAY,
      now: () => new Date(clock.ms),
    };
    const dying = createGate(createGateStore(db), opts);
    expect((await dying.reserve({ kind: "users", n: 3, by: "crashed" })).granted).toBe(true);
    // A fresh process: the pending reservation still counts, and after the pending TTL as written.
    const fresh = createGate(createGateStore(db), opts);
    expect((await fresh.reserve({ kind: "users", n: 1, by: "next" })).granted).toBe(false);
    clock.ms += 2 * 3_600_000;
    expect((await fresh.figures("users")).counted).toBe(3);
    expect((await fresh.reserve({ kind: "users", n: 1, by: "next" })).granted).toBe(false);
  });
});

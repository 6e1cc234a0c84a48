import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { silentLogger } from "../../shared/logger.ts";
import { createLease } from "../../runner/lease.ts";
import { createLeaseStore, type LeaseStore } from "../../runner/store/lease-store.ts";
import { connectMongo } from "../../runner/store/mongo.ts";
import { createFakeTime } from "./support/fake-time.ts";
import { openTestDb, type TestDb } from "./support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("lease");
});
afterAll(async () => {
  await t.drop();
});

/** A store whose clock the test moves, so expiry needs no sleeping. */
function storeAt(clock: { ms: number }): LeaseStore {
  return createLeaseStore(t.mongo.db, { now: () => new Date(clock.ms) });
}

describe("createLeaseStore()", () => {
  test("acquire() gives the lease to the first owner and refuses a second one while it lasts", async () => {
    const clock = { ms: Date.parse("2025-10-18T00:00:00Z") };
    const store = storeAt(clock);
    const a = await store.acquire("l1", "a", 30_000);
    const b = await store.acquire("l1", "b", 30_000);
    expect(a?.owner).toBe("a");
    expect(b).toBe(null);
    expect((await store.holder("l1"))?.owner).toBe("a");
  });

  test("acquire() hands an expired lease to another owner", async () => {
    const clock = { ms: Date.parse("2025-10-18T00:00:00Z") };
    const store = storeAt(clock);
    await store.acquire("l2", "a", 2_000);
    clock.ms += 2_001;
    expect((await store.acquire("l2", "b", 2_000))?.owner).toBe("b");
    expect(await store.renew("l2", "a", 2_000)).toBe(false);
  });

  test("acquire() lets the owner take its own lease again", async () => {
    const clock = { ms: Date.parse("2025-10-18T00:00:00Z") };
    const store = storeAt(clock);
    await store.acquire("l3", "a", 2_000);
    expect((await store.acquire("l3", "a", 2_000))?.owner).toBe("a");
  });

  test("renew() extends only the owner's unexpired lease", async () => {
    const clock = { ms: Date.parse("2025-10-18T00:00:00Z") };
    const store = storeAt(clock);
    await store.acquire("l4", "a", 2_000);
    clock.ms += 1_500;
    expect(await store.renew("l4", "a", 2_000)).toBe(true);
    expect(await store.renew("l4", "b", 2_000)).toBe(false);
    clock.ms += 1_500;
    expect((await store.holder("l4"))?.owner).toBe("a");
    expect(await store.acquire("l4", "b", 2_000)).toBe(null);
  });

  test("release() frees the lease only for its owner", async () => {
    const clock = { ms: Date.parse("2025-10-18T00:00:00Z") };
    const store = storeAt(clock);
    await store.acquire("l5", "a", 30_000);
    expect(await store.release("l5", "b")).toBe(false);
    expect((await store.holder("l5"))?.owner).toBe("a");
    expect(await store.release("l5", "a")).toBe(true);
    expect(await store.holder("l5")).toBe(null);
    expect((await store.acquire("l5", "b", 30_000))?.owner).toBe("b");
  });

  test("acquire() lets exactly one of two replicas win when they race for a released lease", async () => {
    // Two connections, as two processes would have; FerretDB's findAndModify is not atomic here.
    const other = await connectMongo(t.uri, t.name);
    try {
      const a = createLeaseStore(t.mongo.db);
      const b = createLeaseStore(other.db);
      let doubles = 0;
      for (let i = 0; i < 40; i++) {
        const name = `race-${i}`;
        await a.acquire(name, "previous", 30_000);
        await a.release(name, "previous");
        const [x, y] = await Promise.all([
          a.acquire(name, "a", 30_000),
          b.acquire(name, "b", 30_000),
        ]);
        if (x && y) doubles++;
        expect(x !== null || y !== null).toBe(true);
      }
      expect(doubles).toBe(0);
    } finally {
      await other.close();
    }
  });

  test("acquire() keeps only the last terms of a lease", async () => {
    const store = createLeaseStore(t.mongo.db);
    for (let i = 0; i < 15; i++) {
      await store.acquire("terms", "a", 30_000);
      await store.release("terms", "a");
    }
    const docs = await t.mongo.db.collection("locks").countDocuments({ name: "terms" });
    expect(docs).toBeLessThanOrEqual(11);
  });

  test("acquire() lets exactly one of many concurrent owners win", async () => {
    const store = createLeaseStore(t.mongo.db);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.acquire("l6", `owner-${i}`, 30_000)),
    );
    expect(results.filter((r) => r !== null).length).toBe(1);
  });
});

describe("createLease()", () => {
  test("createLease() renews while held so the lease outlives its TTL", async () => {
    const time = createFakeTime(new Date("2025-10-18T00:00:00Z"));
    const store = createLeaseStore(t.mongo.db, { now: time.clock.now });
    const held: boolean[] = [];
    const lease = createLease({
      store,
      name: "l7",
      owner: "a",
      ttlMs: 3_000,
      timer: time.timer,
      logger: silentLogger,
      onHeldChange: (h) => held.push(h),
    });
    expect(await lease.acquire()).toBe(true);
    await time.advance(10_000);
    expect(lease.held).toBe(true);
    expect(await store.acquire("l7", "b", 3_000)).toBe(null);
    await lease.release();
    expect(held).toEqual([true, false]);
    expect((await store.acquire("l7", "b", 3_000))?.owner).toBe("b");
  });

  test("createLease() calls onLost when a renewal finds the lease taken", async () => {
    let lostTold = 0;
    const time = createFakeTime(new Date("2025-10-18T00:00:00Z"));
    const store = createLeaseStore(t.mongo.db, { now: time.clock.now });
    const lease = createLease({
      store,
      name: "l8",
      owner: "a",
      ttlMs: 3_000,
      timer: time.timer,
      logger: silentLogger,
      onLost: () => lostTold++,
    });
    let lost = 0;
    await lease.acquire(() => lost++);
    await store.release("l8", "a");
    await store.acquire("l8", "b", 3_000);
    await time.advance(1_000);
    expect(lost).toBe(1);
    // The option (metrics' scim_lease_lost_total) hears it too; a plain release never does.
    expect(lostTold).toBe(1);
    expect(lease.held).toBe(false);
  });

  test("createLease() gives the lease up and calls the run's onLost when no renewal is confirmed for a whole TTL", async () => {
    const time = createFakeTime(new Date("2025-10-18T00:00:00Z"));
    const real = createLeaseStore(t.mongo.db, { now: time.clock.now });
    let down = false;
    const store: LeaseStore = {
      ...real,
      renew: (...a) => down ? Promise.reject(new Error("connect ECONNREFUSED")) : real.renew(...a),
    };
    const lines: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    let lostTold = 0;
    const lease = createLease({
      store,
      name: "l9",
      owner: "a",
      ttlMs: 3_000,
      timer: time.timer,
      logger,
      onLost: () => lostTold++,
      now: time.clock.now,
    });
    let lost = 0;
    await lease.acquire(() => lost++);
    await time.advance(1_000); // confirmed at 1 s: ours until 4 s
    down = true;
    await time.advance(2_000); // 2 s and 3 s fail: still within the TTL
    expect({ lost, held: lease.held }).toEqual({ lost: 0, held: true });
    await time.advance(1_000); // 4 s fails: nothing confirmed since 1 s
    expect({ lost, held: lease.held }).toEqual({ lost: 1, held: false });
    expect(lines.filter((l) => l.startsWith("⚠️ Lease renewal failed"))).toHaveLength(2);
    expect(lines.at(-1)).toContain("❌ Sync lease expired: no renewal was confirmed for 3000 ms");
    // Not "lost to another runner": the flapping alert is not told.
    expect(lostTold).toBe(0);
    await time.advance(10_000);
    expect(lost).toBe(1);
  });
});

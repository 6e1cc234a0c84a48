/**
 * The person search's store on the test run's MongoDB-wire server: prefixes of
 * first, last and full name and email in any case, OFM's own accounts left
 * out, the limit, the backfill of documents written before the keys existed (on
 * FerretDB: none, and those documents found by their fields as stored),
 * and a generous ceiling on a search that finds nobody (the slowest kind).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { newUserDoc } from "../../../runner/documents/ofm-documents.ts";
import {
  createPersonSearch,
  SEARCH_INDEX,
  unkeyedFilter,
} from "../../../runner/store/person-search.ts";
import { isFerretDb, openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("person_search");
});
afterAll(() => t.drop());

const at = new Date("2025-10-18T12:00:00Z");
const user = (i: number, first: string, last: string, email = `${first}.${last}.${i}@ias.co.id`) =>
  newUserDoc({
    ssoUserId: `u-${i}`,
    email,
    firstName: first,
    lastName: last,
    isActive: i % 2 === 0,
    phone: null,
    userId: null,
    departmentId: i === 1 ? "D-FIN" : null,
    companyId: null,
    managerId: null,
    positionId: null,
    scimLastModified: null,
  }, { hash: "h", at, source: "full_sync", superAdminEmails: [] });

describe("createPersonSearch()", () => {
  test("search() finds by any prefix of first, last or full name or email, in any case, sorted by name", async () => {
    const db = t.mongo.db;
    await db.collection("users").insertMany([
      user(1, "Jane", "Doe", "Jane.Doe@IAS.co.id"),
      user(2, "Janet", "Núñez"),
      user(3, "Bob", "Janssen"),
      // OFM's own account: no SCIM id, no search keys.
      { email: "jane.admin@ofm.local", firstName: "Jane", lastName: "Admin", isActive: true },
    ]);
    await db.collection("orgUnits").insertOne({ _id: "D-FIN" as never, unitName: "Finance" });
    const s = createPersonSearch(db);
    await s.ensureIndex();
    const names = async (q: string) => (await s.search(q, 50)).hits.map((h) => h.name);
    expect(await names("JAN")).toEqual(["Bob Janssen", "Jane Doe", "Janet Núñez"]);
    expect(await names("nunez")).toEqual(["Janet Núñez"]);
    expect(await names("jane d")).toEqual(["Jane Doe"]);
    expect(await names("jane.doe@")).toEqual(["Jane Doe"]);
    expect(await names("admin")).toEqual([]);
    expect(await names("j.*")).toEqual([]);
    expect(await names("   ")).toEqual([]);
    const [jane] = (await s.search("jane doe", 50)).hits;
    expect(jane).toEqual({
      ssoUserId: "u-1",
      name: "Jane Doe",
      email: "Jane.Doe@IAS.co.id",
      departmentId: "D-FIN",
      departmentName: "Finance",
      activeInOfm: false,
    });
    const idx = (await db.collection("users").indexes()).find((i) => i.name === SEARCH_INDEX);
    expect(idx).toMatchObject({ key: { searchKeys: 1 } });
    // FerretDB 1.24 takes `sparse` and does not report it back (nor is it needed: the index is
    // not unique, and documents without the field are simply not matched by a prefix).
    if (!(await isFerretDb(t))) expect(idx).toMatchObject({ sparse: true });
  });

  test("search() returns `limit` people and says there are more", async () => {
    const db = t.mongo.db;
    await db.collection("users").insertMany(
      Array.from({ length: 12 }, (_, i) => user(100 + i, "Zed", `Many${i}`)),
    );
    const r = await createPersonSearch(db).search("zed", 10);
    expect(r.hits).toHaveLength(10);
    expect(r.more).toBe(true);
  });

  test("backfill() gives keys to sync-written documents without them, once, and never overwrites fresher keys", async () => {
    const db = t.mongo.db;
    const old = db.collection("users");
    const { searchKeys: _k, ...before } = user(200, "Olga", "Old");
    await old.insertOne(before);
    await old.insertOne({ email: "own@ofm.local", firstName: "Olga" });
    const s = createPersonSearch(db);
    if (await isFerretDb(t)) {
      // FerretDB's updates are not atomic: no background rewrite there; found as stored instead.
      expect(await s.backfill()).toBeNull();
      expect(await old.findOne({ ssoUserId: "u-200" })).not.toHaveProperty("searchKeys");
    } else {
      expect((await s.search("olga", 50)).hits).toEqual([]);
      expect(await s.backfill()).toBe(1);
      expect(await s.backfill()).toBe(0);
    }
    expect((await s.search("olga o", 50)).hits.map((h) => h.ssoUserId)).toEqual(["u-200"]);
    expect(await old.findOne({ email: "own@ofm.local" })).not.toHaveProperty("searchKeys");
    await old.deleteMany({ $or: [{ ssoUserId: "u-200" }, { email: "own@ofm.local" }] });
  });

  test('on FerretDB, search() finds users written before the keys by first, last, "first last" and email as stored, in any case', async () => {
    if (!(await isFerretDb(t))) return void expect(unkeyedFilter("a b").$or).toHaveLength(4);
    const db = t.mongo.db;
    const old = db.collection("users");
    const { searchKeys: _a, ...mary } = user(301, "Mary Ann", "Lee", "MAL@ias.co.id");
    const { searchKeys: _b, ...own } = user(302, "Mary", "Own");
    await old.insertMany([mary, { ...own, ssoUserId: null }]);
    const s = createPersonSearch(db);
    const found = async (q: string) => (await s.search(q, 50)).hits.map((h) => h.ssoUserId);
    for (const q of ["MARY", "mary ann", "mary ann l", "lee", "mal@"]) {
      expect({ q, hits: await found(q) }).toEqual({ q, hits: ["u-301"] });
    }
    expect(await found("mary l")).toEqual([]);
    expect(await found("ann")).toEqual([]);
    await old.deleteMany({ email: { $in: ["MAL@ias.co.id", own.email] } });
  });

  test(
    "search() answers a prefix nobody has within a generous ceiling at 10,000 people (the scan's worst case)",
    async () => {
      const n = (await isFerretDb(t)) ? 1_000 : 10_000;
      const db = t.mongo.db;
      const users = db.collection("users_big");
      for (let i = 0; i < n; i += 2_000) {
        await users.insertMany(
          Array.from(
            { length: Math.min(2_000, n - i) },
            (_, j) => user(10_000 + i + j, `P${i + j}`, "Big"),
          ),
        );
      }
      // The store reads `users`: swap the big collection in by name for this measure.
      await db.collection("users").drop();
      await users.rename("users");
      const s = createPersonSearch(db);
      await s.ensureIndex();
      const times: number[] = [];
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        expect((await s.search("zzz-nobody", 50)).hits).toEqual([]);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      console.log(`person search, ${n} people, nobody found: median ${times[2]!.toFixed(1)} ms`);
      // Generous: 20x the 100 ms goal, for a loaded shared machine; the bench reports the real figure.
      expect(times[2]!).toBeLessThan(2_000);
    },
    120_000,
  );
});

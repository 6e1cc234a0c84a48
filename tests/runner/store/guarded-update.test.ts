// The webhook path's version-guarded updates, grouped (runner/store/guarded-update.ts), on
// the real MongoDB-wire server: the updates started together are one command where updates
// are atomic, and each caller still learns whether its own update was written, lost a race,
// or was refused — decided by reading the documents back whenever the command's count does
// not say "all of them".
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type CommandStartedEvent, type Db, MongoClient, ObjectId } from "mongodb";
import {
  type GuardedUpdate,
  guardedUpdates,
  sameValue,
} from "../../../runner/store/guarded-update.ts";
import { serverTraits } from "../../../runner/store/server-kind.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
let client: MongoClient;
let db: Db;
let atomic: boolean;
const sent: string[] = [];
const v1 = new Date("2026-01-01T10:00:00.000Z");
const v2 = new Date("2026-01-01T11:00:00.000Z");

beforeAll(async () => {
  t = await openTestDb("guarded_update");
  // A client of its own, watching every command it sends (the driver's command monitoring).
  client = await new MongoClient(t.uri, { monitorCommands: true }).connect();
  db = client.db(t.name);
  atomic = (await serverTraits(db)).atomicUpdates;
  client.on("commandStarted", (c: CommandStartedEvent) => {
    const coll = c.command[c.commandName];
    sent.push(`${c.commandName} ${typeof coll === "string" ? coll : ""}`.trim());
  });
  await db.collection("people").createIndex({ email: 1 }, { unique: true });
});
afterAll(async () => {
  await client.close();
  await t.drop();
});

/** Fresh people p0…p(n-1) at version v1, in a collection of the test's own. */
async function people(prefix: string, n: number): Promise<ObjectId[]> {
  const docs = Array.from({ length: n }, (_, i) => ({
    _id: new ObjectId(),
    email: `${prefix}${i}@ias.co.id`,
    phone: "+62 0",
    scimLastModified: v1,
  }));
  await db.collection("people").insertMany(docs);
  return docs.map((d) => d._id);
}

const change = (
  id: ObjectId,
  phone: string,
  extra: Record<string, unknown> = {},
): GuardedUpdate => ({
  id,
  version: v1,
  set: { phone, scimLastModified: v2, updatedAt: new Date(), searchKeys: ["a", "b"], ...extra },
});

function counting() {
  sent.length = 0;
  return (cmd: string) => sent.filter((s) => s === cmd).length;
}

describe("guardedUpdates()", () => {
  test("updates started together are one update command where updates are atomic (one each on FerretDB), and each is written", async () => {
    const ids = await people("all", 5);
    const update = guardedUpdates(db.collection("people"), async () => atomic);
    const count = counting();
    const got = await Promise.all(ids.map((id, i) => update(change(id, `+62 ${i}`))));
    expect(got).toEqual(ids.map(() => "written"));
    expect(count("update people")).toBe(atomic ? 1 : 5);
    expect(count("find people")).toBe(0);
    const stored = await db.collection("people").find({ _id: { $in: ids } }).toArray();
    expect(stored.map((d) => d.phone).sort()).toEqual([
      "+62 0",
      "+62 1",
      "+62 2",
      "+62 3",
      "+62 4",
    ]);
  });

  test("a lone update is its own updateOne, without asking the server's kind", async () => {
    const [id] = await people("lone", 1);
    let asked = 0;
    const update = guardedUpdates(db.collection("people"), async () => (asked++, atomic));
    const count = counting();
    expect(await update(change(id!, "+62 lone"))).toBe("written");
    expect(await update(change(id!, "+62 again"))).toBe("raced");
    expect(count("update people")).toBe(2);
    expect(asked).toBe(0);
  });

  test("an update whose version moved meanwhile is raced and the others written, told apart by reading the documents back once", async () => {
    const ids = await people("race", 3);
    // Another writer moves the second person on before the group leaves.
    await db.collection("people").updateOne({ _id: ids[1] }, {
      $set: { phone: "+62 newer", scimLastModified: new Date("2026-01-02T00:00:00.000Z") },
    });
    const update = guardedUpdates(db.collection("people"), async () => atomic);
    const count = counting();
    const got = await Promise.all(ids.map((id, i) => update(change(id, `+62 r${i}`))));
    expect(got).toEqual(["written", "raced", "written"]);
    expect(count("find people")).toBe(atomic ? 1 : 0);
    expect((await db.collection("people").findOne({ _id: ids[1] }))?.phone).toBe("+62 newer");
  });

  test("an update a unique index refuses rejects with its own error; the others are written", async () => {
    const ids = await people("dup", 3);
    const update = guardedUpdates(db.collection("people"), async () => atomic);
    const got = await Promise.allSettled([
      update(change(ids[0]!, "+62 d0")),
      // OFM's own unique index on email: the address of another person.
      update(change(ids[1]!, "+62 d1", { email: "dup2@ias.co.id" })),
      update(change(ids[2]!, "+62 d2")),
    ]);
    expect(got.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(got[0]).toEqual({ status: "fulfilled", value: "written" });
    expect(got[2]).toEqual({ status: "fulfilled", value: "written" });
    const reason = (got[1] as PromiseRejectedResult).reason;
    expect(String(reason?.message ?? reason)).toMatch(/duplicate key|E11000|UNIQUE/i);
    const stored = await db.collection("people").findOne({ _id: ids[1] });
    expect(stored).toMatchObject({ phone: "+62 0", email: "dup1@ias.co.id", scimLastModified: v1 });
  });

  test("a document another writer already set to the very same values counts as written (decided: it holds what the event says)", async () => {
    const ids = await people("same", 2);
    const mine = change(ids[0]!, "+62 same");
    // The same values, the same instant: written by someone else first, so the guard misses.
    await db.collection("people").updateOne({ _id: ids[0] }, { $set: mine.set });
    const update = guardedUpdates(db.collection("people"), async () => atomic);
    const got = await Promise.all([update(mine), update(change(ids[1]!, "+62 other"))]);
    // Alone (FerretDB), the guard's answer stands: raced, and the writer decides again.
    expect(got).toEqual([atomic ? "written" : "raced", "written"]);
  });

  test("a command that fails as a whole fails every update in it and writes nothing", async () => {
    const ids = await people("down", 2);
    const closed = await new MongoClient(t.uri).connect();
    const coll = closed.db(t.name).collection("people");
    await closed.close();
    const update = guardedUpdates(coll, async () => atomic);
    const got = await Promise.allSettled(ids.map((id) => update(change(id, "+62 never"))));
    expect(got.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    const stored = await db.collection("people").find({ _id: { $in: ids } }).toArray();
    expect(stored.map((d) => d.phone)).toEqual(["+62 0", "+62 0"]);
  });
});

describe("sameValue()", () => {
  test("compares what MongoDB gives back with what was written", () => {
    const id = new ObjectId();
    expect(sameValue(new Date(5), new Date(5))).toBe(true);
    expect(sameValue(new Date(5), new Date(6))).toBe(false);
    expect(sameValue(new Date(5), 5)).toBe(false);
    expect(sameValue(["a", { b: [1, null] }], ["a", { b: [1, null] }])).toBe(true);
    expect(sameValue(["a", "b"], ["b", "a"])).toBe(false);
    expect(sameValue(["a"], ["a", "b"])).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue(null, 0)).toBe(false);
    expect(sameValue("", null)).toBe(false);
    expect(sameValue(id, new ObjectId(id.toHexString()))).toBe(true);
    expect(sameValue(id, new ObjectId())).toBe(false);
    expect(sameValue({ a: 1 }, [1])).toBe(false);
  });
});

// Day one on a real OFM database, with full syncs against the development SSO: accounts OFM
// already has (no ssoUserId, OFM's own unique indexes on email and userId) are linked, not
// created twice; people who swap emails, rotate them, change only their letter case, leave and
// come back converge within one run; a conflict names who holds the value; every counter is
// what MongoDB acknowledged.
import { afterEach, describe, expect, test } from "bun:test";
import { LOCAL_ONLY, seedOfm } from "../support/ofm-fixture.ts";
import { createLogger } from "../../../shared/logger.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const users = (e: SyncEnv) => e.mongo.db(e.dbName).collection("users");
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
type Person = Record<string, any>;

/** FerretDB's updates scan their table: the big day one runs smaller there. */
const ferret = process.env.MONGO_SERVER_KIND === "ferretdb";

/** Renames people in the directory as an SSO does: through a free name, so userName stays unique. */
function renameAll(e: SyncEnv, to: [Person, string][]) {
  const dir = e.sso.sso.directory;
  for (const [p, _] of to) {
    dir.update("User", p.id, (cur) => ({ ...cur, userName: `tmp-${p.id}@x` }));
  }
  for (const [p, name] of to) dir.update("User", p.id, (cur) => ({ ...cur, userName: name }));
}

async function emailsOf(e: SyncEnv, ids: string[]) {
  const docs = await users(e).find({ ssoUserId: { $in: ids } }).toArray();
  return Object.fromEntries(docs.map((d) => [d.ssoUserId, d.email]));
}

describe("day one on an OFM that already has accounts", () => {
  test("runSync() links the accounts OFM already has, creates the rest, and leaves OFM's own alone", async () => {
    const size = ferret ? 200 : 2000;
    t = await syncEnv("day_one", { users: size, maxResults: 500 });
    const db = t.mongo.db(t.dbName);
    const seeded = await seedOfm(db, t.sso.sso.directory, size / 2, { mixCase: true });
    const localBefore = await users(t).find({ email: { $in: LOCAL_ONLY.map((d) => d.email) } })
      .toArray();
    const rt = await t.runtime({ SYNC_EXCLUDE_FIELDS: "lastName", SYNC_MAX_DEACTIVATE: "100%" });
    // OFM's accounts of people the directory lists as inactive are deactivated through the gate.
    const inactive =
      t.sso.sso.directory.list("User").slice(0, size / 2).filter((u) => u.active === false).length;
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.stats.errors).toEqual([]);
    expect(h.status).toBe("success");
    expect(h.stats).toMatchObject({
      usersLinked: size / 2,
      usersCreated: size / 2,
      usersDeactivated: inactive,
    });
    expect(await users(t).countDocuments()).toBe(size + LOCAL_ONLY.length);
    expect(await users(t).countDocuments({ ssoUserId: { $type: "string" } })).toBe(size);
    // Linked: same _id, OFM's role, its own field, its excluded field; the directory's email.
    const person = t.sso.sso.directory.list("User")[0] as Person;
    const linked = await users(t).findOne({ ssoUserId: person.id });
    expect(linked?._id).toEqual(seeded[0]!._id);
    expect(linked).toMatchObject({
      role: "super_admin",
      ofmNote: "kept-0",
      lastName: seeded[0]!.lastName,
      email: person.userName,
      userId: person[ENT].employeeNumber,
      isActive: true,
    });
    // OFM's own accounts, untouched.
    const localAfter = await users(t).find({ email: { $in: LOCAL_ONLY.map((d) => d.email) } })
      .toArray();
    expect(localAfter).toEqual(localBefore);
    // What the run says it did is what is in MongoDB.
    const again = await rt.runSync({ type: "full" });
    expect(again.history.status).toBe("success");
    expect(again.history.stats).toMatchObject({
      usersLinked: 0,
      usersCreated: 0,
      usersUpdated: 0,
      usersUnchanged: size,
    });
  });

  test("runSync() on an OFM with two accounts without ssoUserId creates its index and syncs", async () => {
    t = await syncEnv("two_local", { users: 20, maxResults: 10 });
    await users(t).insertMany(LOCAL_ONLY.map((d) => ({ ...d })));
    const rt = await t.runtime();
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("success");
    expect(h.stats.usersCreated).toBe(20);
    expect(await users(t).countDocuments()).toBe(22);
  });
});

describe("values that move between people converge within one run", () => {
  async function synced(n = 30) {
    t = await syncEnv("moves", { users: n, maxResults: 10 });
    await seedOfm(t.mongo.db(t.dbName), t.sso.sso.directory, 0);
    const rt = await t.runtime();
    expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
    return {
      rt,
      people: t.sso.sso.directory.list("User").filter((u) => u.active !== false) as Person[],
    };
  }

  test("runSync() converges when two people swap emails under OFM's unique index", async () => {
    const { rt, people } = await synced();
    const [a, b] = [people[1]!, people[2]!];
    renameAll(t!, [[a, b.userName], [b, a.userName]]);
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.stats.errors).toEqual([]);
    expect(h.status).toBe("success");
    expect(h.stats.usersUpdated).toBe(2);
    expect(await emailsOf(t!, [a.id, b.id])).toEqual({ [a.id]: b.userName, [b.id]: a.userName });
    expect((await rt.runSync({ type: "full" })).history.stats.usersUpdated).toBe(0);
  });

  test("runSync() converges on a rotation of three emails", async () => {
    const { rt, people } = await synced();
    const [a, b, c] = [people[3]!, people[14]!, people[25]!];
    renameAll(t!, [[a, b.userName], [b, c.userName], [c, a.userName]]);
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.stats.errors).toEqual([]);
    expect(h.stats.usersUpdated).toBe(3);
    expect(await emailsOf(t!, [a.id, b.id, c.id])).toEqual({
      [a.id]: b.userName,
      [b.id]: c.userName,
      [c.id]: a.userName,
    });
  });

  test("runSync() gives a leaver's address to the person who takes it in the same run", async () => {
    const { rt, people } = await synced();
    const [leaver, taker] = [people[4]!, people[5]!];
    t!.sso.sso.directory.remove("User", leaver.id);
    t!.sso.sso.directory.update("User", taker.id, (cur) => ({ ...cur, userName: leaver.userName }));
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.stats.errors).toEqual([]);
    expect(h.stats).toMatchObject({ usersUpdated: 1, usersDeactivated: 1 });
    const left = await users(t!).findOne({ ssoUserId: leaver.id });
    expect(left?.isActive).toBe(false);
    expect((await emailsOf(t!, [taker.id]))[taker.id]).toBe(leaver.userName);
  });

  test("runSync() updates the email when only its letter case changed", async () => {
    const { rt, people } = await synced();
    const p = people[6]!;
    t!.sso.sso.directory.update(
      "User",
      p.id,
      (cur) => ({ ...cur, userName: String(p.userName).toUpperCase() }),
    );
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.stats).toMatchObject({ usersUpdated: 1, errors: [] });
    expect((await users(t!).findOne({ ssoUserId: p.id }))?.email).toBe(
      String(p.userName).toUpperCase(),
    );
  });

  test("runSync() relinks a person who left and came back with a new SSO id, keeping the account", async () => {
    const { rt, people } = await synced();
    const p = people[7]!;
    const before = await users(t!).findOne({ ssoUserId: p.id });
    t!.sso.sso.directory.remove("User", p.id);
    expect((await rt.runSync({ type: "full" })).history.stats.usersDeactivated).toBe(1);
    const { id: _id, meta: _meta, ...rest } = p;
    const back = t!.sso.sso.directory.create("User", { ...rest, active: true });
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.stats.errors).toEqual([]);
    expect(h.stats).toMatchObject({ usersRelinked: 1, usersCreated: 0, usersDeactivated: 0 });
    const after = await users(t!).findOne({ ssoUserId: back.id });
    expect(after?._id).toEqual(before?._id);
    expect(after).toMatchObject({ isActive: true, deactivatedAt: null, role: before?.role });
    expect(await users(t!).countDocuments({ ssoUserId: p.id })).toBe(0);
  });

  test("runSync() logs the run's link total beside a conflict, and a run with errors at warn", async () => {
    const { people } = await synced();
    const db = t!.mongo.db(t!.dbName);
    // A newcomer OFM already has an account for (linked in the pass) …
    const { id: _i, meta: _m, ...template } = people[9]!;
    t!.sso.sso.directory.create("User", {
      ...template,
      userName: "joiner@ias.co.id",
      [ENT]: { ...template[ENT], employeeNumber: "EMP-JOINER" },
    });
    await users(t!).insertOne({ email: "joiner@ias.co.id", role: "employee", isActive: true });
    // … and one whose employee number another present person holds (a conflict).
    t!.sso.sso.directory.create("User", {
      ...template,
      userName: "newcomer@ias.co.id",
      [ENT]: { ...template[ENT], employeeNumber: people[8]![ENT].employeeNumber },
    });
    const lines: { level: string; msg: string }[] = [];
    const logger = createLogger({ format: "json", write: (l) => lines.push(JSON.parse(l)) });
    const { history: h } = await (await t!.runtime({}, logger)).runSync({ type: "full" });
    expect(h.stats).toMatchObject({ usersLinked: 1 });
    expect(h.stats.errors).toHaveLength(1);
    expect(await db.collection("users").countDocuments({ email: "joiner@ias.co.id" })).toBe(1);
    const said = (re: RegExp) => lines.filter((l) => re.test(l.msg)).map((l) => [l.level, l.msg]);
    // Before, this line said "0 linked" beside the summary's "1 linked".
    expect(said(/Identities/)).toEqual([[
      "warn",
      "🔗 Identities: 1 linked, 0 relinked, 0 value(s) moved, 1 conflict(s)",
    ]]);
    expect(said(/1 linked/)).toHaveLength(2);
    expect(said(/completed with/)).toEqual([[
      "warn",
      "⚠️ SCIM synchronization completed with 1 error(s)",
    ]]);
  });

  test("runSync() reports a conflict naming the active holder and overwrites nothing", async () => {
    const { rt, people } = await synced();
    const holder = people[8]!;
    const number = holder[ENT].employeeNumber;
    // A newcomer given an employee number another present person has (OFM's unique userId index).
    const { id: _i, meta: _m, ...template } = people[9]!;
    const dup = t!.sso.sso.directory.create("User", {
      ...template,
      userName: "newcomer@ias.co.id",
      [ENT]: { ...template[ENT], employeeNumber: number },
    });
    const holderBefore = await users(t!).findOne({ ssoUserId: holder.id });
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("partial");
    expect(h.stats.usersCreated).toBe(0);
    expect(h.stats.errors).toHaveLength(1);
    const err = h.stats.errors[0]!;
    expect(err).toMatchObject({ code: "CONFLICT", resourceId: dup.id });
    expect(err.holder).toMatchObject({ ssoUserId: holder.id, isActive: true, field: "userId" });
    expect(err.message).toContain(String(holderBefore?._id));
    expect(err.message).toContain(holder.id);
    expect(await users(t!).findOne({ ssoUserId: holder.id })).toEqual(holderBefore!);
    expect(await users(t!).countDocuments({ ssoUserId: dup.id })).toBe(0);
  });
});

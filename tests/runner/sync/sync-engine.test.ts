// Full syncs from the development SSO into the real MongoDB-wire server.
import { afterEach, describe, expect, test } from "bun:test";
import { silentLogger } from "../../../shared/logger.ts";
import { userHashFields } from "../../../runner/content-hash.ts";
import { LeaseLostError } from "../../../runner/lease.ts";
import { runSync } from "../../../runner/sync/sync-engine.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const users = (e: SyncEnv) => e.mongo.db(e.dbName).collection("users");
const units = (e: SyncEnv) => e.mongo.db(e.dbName).collection("orgUnits");
const history = (e: SyncEnv) => e.mongo.db(e.dbName).collection("syncHistory");

/** What runSync() needs of a test runtime besides its SSO client and store (each test swaps those). */
function engineDeps(rt: Awaited<ReturnType<SyncEnv["runtime"]>>) {
  return {
    history: rt.history,
    logger: silentLogger,
    pageSize: 10,
    gate: rt.gate,
    identity: rt.identity,
    directory: rt.directory,
    matchOn: "email" as const,
    userHashFields: userHashFields([]),
  };
}

/** The runtime's SCIM client, noting each listing it starts ("list Users") and each page it yields ("page Users"). */
function loggingClient(rt: Awaited<ReturnType<SyncEnv["runtime"]>>, events: string[]) {
  return {
    ...rt.client,
    pages: (...[resource, o]: Parameters<typeof rt.client.pages>) => {
      events.push(`list ${resource}`);
      const pages = rt.client.pages(resource, o);
      return (async function* () {
        while (true) {
          const next = await pages.next();
          if (next.done) return next.value;
          events.push(`page ${resource}`);
          yield next.value;
        }
      })();
    },
  };
}

describe("runSync() full", () => {
  test("runSync() creates every user and org unit with the guide's fields on the first run", async () => {
    t = await syncEnv("first", { users: 45, maxResults: 20 });
    const rt = await t.runtime({ SUPER_ADMIN_EMAILS: "" });
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("success");
    expect(h.stats.usersCreated).toBe(45);
    expect(h.stats.orgUnitsCreated).toBe(t.sso.sso.directory.size("Group"));
    expect(await users(t).countDocuments()).toBe(45);
    const scim = t.sso.sso.directory.list("User")[3] as Record<string, any>;
    const doc = await users(t).findOne({ ssoUserId: scim.id });
    const ent = scim["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    expect(doc).toMatchObject({
      email: scim.userName,
      firstName: scim.name.givenName,
      lastName: scim.name.familyName,
      isActive: scim.active,
      phone: scim.phoneNumbers[0].value,
      userId: ent.employeeNumber,
      departmentId: ent.department,
      companyId: ent.organization,
      managerId: ent.manager.value,
      positionId: scim["urn:aksara:params:scim:schemas:extension:x-position:2.0:User"].id,
      role: "employee",
    });
    const unit = await units(t).findOne({});
    expect(Object.keys(unit ?? {})).toEqual(
      expect.arrayContaining(["unitName", "unitType", "level", "parentUnitId", "managerId"]),
    );
    const rec = await history(t).findOne({});
    expect(rec).toMatchObject({
      type: "scim_full_sync",
      status: "success",
      stats: { usersCreated: 45, errors: [] },
    });
    expect(rec?.completedAt).toBeInstanceOf(Date);
  });

  test("runSync() writes nothing on a second run when nothing changed", async () => {
    t = await syncEnv("noop");
    const rt = await t.runtime();
    await rt.runSync({ type: "full" });
    const before = await users(t).find({}, { projection: { updatedAt: 1 } }).toArray();
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.stats).toMatchObject({
      usersCreated: 0,
      usersUpdated: 0,
      usersDeactivated: 0,
      usersUnchanged: 50,
      orgUnitsUpdated: 0,
    });
    const after = await users(t).find({}, { projection: { updatedAt: 1 } }).toArray();
    expect(after).toEqual(before);
  });

  test("runSync() deactivates exactly the user deleted in the SSO, softly", async () => {
    t = await syncEnv("delete");
    const rt = await t.runtime();
    await rt.runSync({ type: "full" });
    const victim = t.sso.sso.directory.list("User").find((u) => u.active === true) as Record<
      string,
      any
    >;
    t.sso.sso.directory.remove("User", victim.id);
    const beforeSecond = new Date();
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.stats.usersDeactivated).toBe(1);
    const doc = await users(t).findOne({ ssoUserId: victim.id });
    expect(doc?.isActive).toBe(false);
    expect(doc?.deactivatedAt).toBeInstanceOf(Date);
    expect(
      await users(t).countDocuments({ isActive: false, deactivatedAt: { $gte: beforeSecond } }),
    ).toBe(1);
  });

  test("runSync() gives super_admin to listed emails on create and never changes a role later", async () => {
    t = await syncEnv("roles", { users: 5 });
    const first = t.sso.sso.directory.list("User")[0] as Record<string, any>;
    const rt = await t.runtime({ SUPER_ADMIN_EMAILS: first.userName.toUpperCase() });
    await rt.runSync({ type: "full" });
    expect((await users(t).findOne({ ssoUserId: first.id }))?.role).toBe("super_admin");
    await users(t).updateOne({ ssoUserId: first.id }, { $set: { role: "employee" } });
    t.sso.sso.directory.replace("User", first.id, {
      ...first,
      name: { givenName: "Renamed", familyName: "X" },
    });
    await rt.runSync({ type: "full" });
    const doc = await users(t).findOne({ ssoUserId: first.id });
    expect(doc?.role).toBe("employee");
    expect(doc?.firstName).toBe("Renamed");
  });

  test("runSync() overwrites local edits (SCIM wins) except SYNC_EXCLUDE_FIELDS", async () => {
    t = await syncEnv("exclude", { users: 5 });
    const rt = await t.runtime({ SYNC_EXCLUDE_FIELDS: "phone" });
    await rt.runSync({ type: "full" });
    const u = t.sso.sso.directory.list("User")[1] as Record<string, any>;
    await users(t).updateOne({ ssoUserId: u.id }, { $set: { phone: "local", lastName: "local" } });
    t.sso.sso.directory.replace("User", u.id, {
      ...u,
      phoneNumbers: [{ value: "+1" }],
      name: { ...u.name, familyName: "Directory" },
    });
    await rt.runSync({ type: "full" });
    const doc = await users(t).findOne({ ssoUserId: u.id });
    expect(doc?.phone).toBe("local");
    expect(doc?.lastName).toBe("Directory");
  });

  test("runSync() records a malformed user in stats.errors, syncs the rest and ends partial", async () => {
    t = await syncEnv("malformed", { users: 30, maxResults: 10 });
    t.sso.sso.faults.add({ kind: "invalidUser", resource: "Users", page: 2, times: 1 });
    const rt = await t.runtime();
    const { history: h } = await rt.runSync({ type: "full" });
    // Completed, but not a success: one person could not be written.
    expect(h.status).toBe("partial");
    expect(h.stats.errors).toHaveLength(1);
    expect(h.stats.errors[0]).toMatchObject({ resourceType: "User", code: "RESOURCE_INVALID" });
    expect(h.stats.errors[0]?.message).toContain("userName");
    expect(await users(t).countDocuments()).toBe(29);
    expect(h.stats.usersDeactivated).toBe(0);
  });

  test("runSync() fails on a 500 at page 3 of users, deactivates nobody and keeps org units right", async () => {
    t = await syncEnv("page500", { users: 60, maxResults: 10 });
    const rt = await t.runtime({ SCIM_MAX_RETRIES: "1" });
    await rt.runSync({ type: "full" });
    t.sso.sso.directory.remove("User", String(t.sso.sso.directory.list("User")[0]?.id));
    t.sso.sso.faults.add({ kind: "status", status: 500, resource: "Users", page: 3 });
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("failed");
    expect(h.error?.message).toContain("HTTP 500");
    expect(h.stats.usersDeactivated).toBe(0);
    expect(await users(t).countDocuments({ isActive: false })).toBe(
      await users(t).countDocuments({
        isActive: false,
        deactivatedAt: { $ne: null },
        syncHash: { $ne: "" },
      }),
    );
    expect(await units(t).countDocuments({ isActive: true })).toBe(
      t.sso.sso.directory.size("Group"),
    );
    expect((await history(t).find({ status: "failed" }).toArray()).length).toBe(1);
  });

  test("runSync() retries a cut connection and a 429 and still completes", async () => {
    t = await syncEnv("flaky", { users: 40, maxResults: 10 });
    t.sso.sso.faults.add({ kind: "cut", resource: "Users", page: 2, times: 1 });
    t.sso.sso.faults.add({
      kind: "rateLimit",
      resource: "Users",
      page: 3,
      times: 1,
      retryAfter: 0,
    });
    t.sso.sso.faults.add({ kind: "malformed", resource: "Groups", page: 1, times: 1 });
    const rt = await t.runtime();
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("success");
    expect(h.stats.usersCreated).toBe(40);
  });

  test("runSync() is aborted by the guard when the SSO suddenly lists no users", async () => {
    t = await syncEnv("empty", { users: 30 });
    const rt = await t.runtime();
    await rt.runSync({ type: "full" });
    for (const u of t.sso.sso.directory.list("User")) {
      t.sso.sso.directory.remove("User", String(u.id));
    }
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("aborted");
    expect(h.error?.message).toContain("SYNC_MAX_DEACTIVATE");
    expect(await users(t).countDocuments({ isActive: false })).toBe(
      await users(t).countDocuments({ isActive: false, syncHash: { $ne: "" } }),
    );
    const forced = await rt.runSync({ type: "full", force: true });
    expect(forced.history.status).toBe("success");
    expect(await users(t).countDocuments({ isActive: true })).toBe(0);
  });

  test("runSync() with a filter never deactivates by absence", async () => {
    t = await syncEnv("filter", { users: 20 });
    const rt = await t.runtime();
    await rt.runSync({ type: "full" });
    const one = t.sso.sso.directory.list("User")[2] as Record<string, any>;
    const { history: h } = await rt.runSync({
      type: "full",
      filter: `userName eq "${one.userName}"`,
    });
    expect(h.status).toBe("success");
    expect(h.stats.usersFetched).toBe(1);
    expect(h.stats.usersDeactivated).toBe(0);
    expect(h.filter).toContain(one.userName);
  });

  test("runSync() dry run reports the plan and writes nothing, not even history", async () => {
    t = await syncEnv("dry", { users: 10 });
    const rt = await t.runtime();
    const r = await rt.runSync({ type: "full", dryRun: true });
    expect(r.history.status).toBe("success");
    expect(r.plan?.users.create).toHaveLength(10);
    expect(await users(t).countDocuments()).toBe(0);
    expect(await history(t).countDocuments()).toBe(0);
  });

  test("runSync() converges to the SSO's state when users are inserted and deleted mid-listing", async () => {
    let removed: string | null = null;
    let env: SyncEnv | null = null;
    t = env = await syncEnv("midlisting", {
      users: 40,
      maxResults: 10,
      onPage: (resource, page) => {
        if (resource !== "Users" || page !== 2 || removed !== null || !env) return;
        const dir = env.sso.sso.directory;
        removed = String(dir.list("User")[0]?.id);
        dir.remove("User", removed);
        dir.create("User", { userName: "late.joiner@ias.co.id", active: true });
      },
    });
    const activeIn = async () =>
      (await users(t!).find({ isActive: true }, { projection: { ssoUserId: 1 } }).toArray()).map((
        d,
      ) => String(d.ssoUserId)).sort();
    const rt = await t.runtime();
    const first = await rt.runSync({ type: "full" });
    // The directory did change while the first run listed it (before page 2).
    expect(removed).not.toBeNull();
    expect(first.history.status).toBe("success");
    expect(first.history.stats.usersDeactivated).toBe(0);
    expect(first.history.stats.errors).toEqual([]);
    // Whatever the shifted pages hid from it, the first run wrote only people of the
    // directory (the one deleted after it listed them included) and deactivated nobody.
    const directoryIds = new Set(t.sso.sso.directory.list("User").map((u) => String(u.id)));
    expect((await activeIn()).filter((id) => !directoryIds.has(id) && id !== removed)).toEqual([]);
    const inactiveInSso = new Set(
      t.sso.sso.directory.list("User").filter((u) => u.active === false).map((u) => String(u.id)),
    );
    const inactive = await users(t).find({ isActive: false }).toArray();
    expect(inactive.map((d) => String(d.ssoUserId)).filter((id) => !inactiveInSso.has(id)))
      .toEqual([]);

    const second = await rt.runSync({ type: "full" });
    expect(second.history.status).toBe("success");
    // Exactly the user deleted mid-listing is deactivated, by the second run.
    expect(second.history.stats.usersDeactivated).toBe(1);
    expect(await users(t).findOne({ ssoUserId: removed })).toMatchObject({ isActive: false });
    const expected = t.sso.sso.directory.list("User").filter((u) => u.active !== false).map((u) =>
      String(u.id)
    ).sort();
    expect(await activeIn()).toEqual(expected);
    expect(await users(t).countDocuments({ email: "late.joiner@ias.co.id", isActive: true })).toBe(
      1,
    );
  });

  test("runSync() fails with Connection Failed when the SSO is unreachable, and records it", async () => {
    t = await syncEnv("unreachable", { users: 1 });
    const rt = await t.runtime({ SSO_BASE_URL: "http://127.0.0.1:9", SCIM_MAX_RETRIES: "0" });
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("failed");
    expect(h.error?.message).toContain("Connection Failed");
    expect(await history(t).countDocuments({ status: "failed" })).toBe(1);
  });

  test("runSync() fails with Failed to get access token on wrong credentials, never printing the secret", async () => {
    t = await syncEnv("badcreds", { users: 1 });
    const rt = await t.runtime({ SCIM_CLIENT_SECRET: "wrong-secret-123456" });
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("failed");
    expect(h.error?.message).toBe("Failed to get access token: HTTP 401 (invalid_client)");
    expect(JSON.stringify(h)).not.toContain("wrong-secret-123456");
  });
});

describe("runSync() steps", () => {
  test("runSync() returns a failed result, not an exception, when the history store's start() throws", async () => {
    t = await syncEnv("start_throws", { users: 3 });
    const rt = await t.runtime();
    let finished = 0;
    const result = await runSync({
      client: rt.client,
      store: rt.store,
      history: {
        ...rt.history,
        start: () => Promise.reject(new Error("MongoDB refused the insert")),
      },
      logger: silentLogger,
      pageSize: 100,
      gate: rt.gate,
      identity: rt.identity,
      directory: rt.directory,
      matchOn: "email",
      userHashFields: ["email"],
      onFinished: () => finished++,
    }, { type: "full" });
    expect(result.historyId).toBeNull();
    expect(result.history).toMatchObject({
      status: "failed",
      error: { code: "INTERNAL", message: "MongoDB refused the insert" },
    });
    expect(result.history.completedAt).toBeInstanceOf(Date);
    expect(finished).toBe(1);
    // Nothing ran past the failed open: no user written.
    expect(await users(t).countDocuments()).toBe(0);
  });

  test("runSync() writes changes spread over many pages in one store call, not one per page", async () => {
    t = await syncEnv("gathered", { users: 100, maxResults: 10 });
    const rt = await t.runtime();
    await rt.runSync({ type: "full" });
    // One changed user on each of the ten pages.
    const changed = t.sso.sso.directory.list("User").filter((_, i) => i % 10 === 3);
    for (const u of changed) {
      t.sso.sso.directory.update("User", String(u.id), (cur) => ({
        ...cur,
        name: { ...(cur.name as object), familyName: `Renamed ${String(u.id)}` },
      }));
    }
    const calls: number[] = [];
    const result = await runSync({
      client: rt.client,
      store: {
        ...rt.store,
        updateUsers: (c, source, origin) => {
          calls.push(c.length);
          return rt.store.updateUsers(c, source, origin);
        },
      },
      ...engineDeps(rt),
    }, { type: "full" });
    expect(result.history.status).toBe("success");
    expect(result.history.stats.usersUpdated).toBe(changed.length);
    // The held deactivations are written by a call of their own, empty here.
    expect(calls.filter((n) => n > 0)).toEqual([changed.length]);
    for (const u of changed) {
      const doc = await users(t).findOne({ ssoUserId: String(u.id) });
      expect(doc?.lastName).toBe(`Renamed ${String(u.id)}`);
    }
  });

  test("runSync() does not deactivate or count again a person a webhook deactivated after the index was read (the gate settles the same count)", async () => {
    t = await syncEnv("deactivated_meanwhile", { users: 20, maxResults: 10 });
    const rt = await t.runtime();
    await rt.runSync({ type: "full" });
    const [gone, left] = t.sso.sso.directory.list("User").filter((u) => u.active !== false);
    for (const u of [gone!, left!]) {
      t.sso.sso.directory.update("User", String(u.id), (cur) => ({ ...cur, active: false }));
    }
    // The webhook of `gone` lands between the sync's read of the index and its write.
    const webhookAt = new Date("2026-01-02T03:04:05.000Z");
    const result = await runSync({
      client: rt.client,
      store: {
        ...rt.store,
        updateUsers: async (c, source, origin) => {
          if (c.some((x) => x.kind === "update" && x.deactivates)) {
            await users(t!).updateOne({ ssoUserId: String(gone!.id) }, {
              $set: { isActive: false, deactivatedAt: webhookAt },
            });
          }
          return await rt.store.updateUsers(c, source, origin);
        },
      },
      ...engineDeps(rt),
    }, { type: "full" });
    expect(result.history.status).toBe("success");
    expect(result.history.stats.usersDeactivated).toBe(1);
    expect(await users(t).findOne({ ssoUserId: String(gone!.id) })).toMatchObject({
      isActive: false,
      deactivatedAt: webhookAt,
    });
    expect(await users(t).findOne({ ssoUserId: String(left!.id) })).toMatchObject({
      isActive: false,
    });
    const changes = await t.mongo.db(t.dbName).collection("syncChanges")
      .find({ action: "deactivated" }).toArray();
    expect(changes.map((x) => x.resourceId)).toEqual([String(left!.id)]);
  });

  test("runSync() lists users while org units are written, and writes no user before they are", async () => {
    t = await syncEnv("overlap", { users: 30, maxResults: 10 });
    const rt = await t.runtime();
    const events: string[] = [];
    const progress: string[] = [];
    const result = await runSync({
      client: loggingClient(rt, events),
      store: {
        ...rt.store,
        createOrgUnits: async (c, source, origin) => {
          // A slow insert: the user listing has all the time it needs to start meanwhile.
          await Bun.sleep(100);
          const r = await rt.store.createOrgUnits(c, source, origin);
          events.push("org units written");
          return r;
        },
        createUsers: (c, source, origin) => {
          events.push("users written");
          return rt.store.createUsers(c, source, origin);
        },
      },
      ...engineDeps(rt),
    }, { type: "full", onProgress: (p) => progress.push(p.phase) });
    expect(result.history.status).toBe("success");
    expect(result.history.stats.usersCreated).toBe(30);
    const written = events.lastIndexOf("org units written");
    expect(events.indexOf("list Users")).toBeLessThan(written);
    expect(events.indexOf("users written")).toBeGreaterThan(written);
    // The progress still tells the phases in order: no user page shown before the org units end.
    const phases = progress.filter((p, i) => p !== progress[i - 1]);
    expect(phases).toEqual(["connecting", "orgUnits", "users", "writing", "done"]);
  });

  test("runSync() asks for every org unit page before the first user page (the SSO's allowance serves them first)", async () => {
    t = await syncEnv("overlap_order", { users: 30, orgUnits: 25, maxResults: 10 });
    const rt = await t.runtime();
    const events: string[] = [];
    const result = await runSync({
      client: loggingClient(rt, events),
      store: rt.store,
      ...engineDeps(rt),
    }, { type: "full" });
    expect(result.history.status).toBe("success");
    expect(events.filter((e) => e === "page Groups").length).toBeGreaterThanOrEqual(3);
    expect(events.indexOf("list Users")).toBeGreaterThan(events.lastIndexOf("page Groups"));
  });

  test("runSync() stops listing users and writes none when the org unit pass fails", async () => {
    t = await syncEnv("units500", { users: 60, maxResults: 10 });
    const rt = await t.runtime({ SCIM_MAX_RETRIES: "0" });
    t.sso.sso.faults.add({ kind: "status", status: 500, resource: "Groups", page: 1 });
    const { history: h } = await rt.runSync({ type: "full" });
    expect(h.status).toBe("failed");
    expect(h.error?.message).toContain("HTTP 500");
    expect(h.error?.message).toContain("Groups");
    expect(await users(t).countDocuments()).toBe(0);
    expect(await units(t).countDocuments()).toBe(0);
  });

  test("runSync() ends a run whose MongoDB write never answers soon after its abort: interrupted, given up, nothing deactivated", async () => {
    t = await syncEnv("hung_write", { users: 12, maxResults: 10 });
    const rt = await t.runtime();
    const stop = new AbortController();
    const started = Date.now();
    const result = await runSync({
      client: rt.client,
      store: {
        ...rt.store,
        // The driver under Bun was seen to leave a command pending for good when its server
        // died: neither an answer nor an error, and no signal reaches it.
        createOrgUnits: () => {
          stop.abort(new LeaseLostError());
          return new Promise(() => {});
        },
        deactivateUsers: () => Promise.reject(new Error("a given-up run must not deactivate")),
      },
      ...engineDeps(rt),
      abortGraceMs: 50,
    }, { type: "full", signal: stop.signal });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.history.status).toBe("interrupted");
    expect(result.history.error?.code).toBe("RUN_UNRESPONSIVE");
    expect(result.history.error?.message).toContain("this runner lost the sync lease");
    expect(result.history.error?.message).toContain(
      "had not answered 50ms later, so the run was given up",
    );
    const rec = await history(t).findOne({});
    expect(rec).toMatchObject({ status: "interrupted", error: { code: "RUN_UNRESPONSIVE" } });
    expect(await users(t).countDocuments()).toBe(0);
  });

  test("runSync() returns the historyId it told onStart, and that record holds the outcome", async () => {
    t = await syncEnv("history_id", { users: 3 });
    const rt = await t.runtime();
    const told: string[] = [];
    const result = await rt.runSync({ type: "full", onStart: (id) => told.push(id) });
    expect(result.historyId).toMatch(/^[0-9a-f]{24}$/);
    expect(told).toEqual([result.historyId ?? "missing"]);
    const rec = await history(t).findOne({ status: "success" });
    expect(String(rec?._id)).toBe(result.historyId ?? "");
  });
});

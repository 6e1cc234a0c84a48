/**
 * The change log, the person inspector and the on-demand sync end to end:
 * the development SSO, the MongoDB-wire server, the runtime as the daemon wires it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ENTERPRISE_URN } from "../../../dev/sso/generator.ts";
import { mapUser } from "../../../shared/mapping.ts";
import type { ForwardedEvent } from "../../../shared/webhook-event.ts";
import type { Runtime } from "../../../runner/compose.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Json = Record<string, unknown>;

/** A user of the SSO with an employee number and a department, and its ids. */
function pickUser(env: SyncEnv, n = 0) {
  const u = env.sso.sso.directory.list("User").filter((x) =>
    x.active !== false && (x[ENTERPRISE_URN] as Json | undefined)?.department
  )[n]!;
  return { id: String(u.id), email: String(u.userName), ent: u[ENTERPRISE_URN] as Json };
}

function setDepartment(env: SyncEnv, id: string, department: string) {
  env.sso.sso.directory.update("User", id, (cur) => ({
    ...cur,
    [ENTERPRISE_URN]: { ...(cur[ENTERPRISE_URN] as Json), department },
  }));
}

const changesOf = (env: SyncEnv, resourceId: string) =>
  env.mongo.db(env.dbName).collection("syncChanges").find({ resourceId }).sort({ at: -1 })
    .toArray();

async function synced(env: SyncEnv, extra: Record<string, string> = {}): Promise<Runtime> {
  const rt = await env.runtime(extra);
  const r = await rt.runSync({ type: "full" });
  expect(r.history.status).toBe("success");
  return rt;
}

describe("syncChanges", () => {
  test("`runSync()` records a sync update field by field with its historyId when a department changes", async () => {
    t = await syncEnv("chg_sync");
    const rt = await synced(t);
    const jane = pickUser(t);
    setDepartment(t, jane.id, "D-NEW");
    const r = await rt.runSync({ type: "full" });
    const [rec] = await changesOf(t, jane.id);
    expect(rec).toMatchObject({
      resourceType: "User",
      resourceId: jane.id,
      subject: jane.email,
      action: "updated",
      fields: ["departmentId"],
      values: { departmentId: { old: jane.ent.department, new: "D-NEW" } },
      source: { kind: "sync", historyId: r.historyId },
    });
    expect(rec!.expiresAt).toBeInstanceOf(Date);
  });

  test("`runSync()` records its creates one document per write chunk, and the inspector shows each person's", async () => {
    t = await syncEnv("chg_created");
    const rt = await t.runtime();
    const r = await rt.runSync({ type: "full" });
    expect(r.history.status).toBe("success");
    const col = t.mongo.db(t.dbName).collection("syncChanges");
    const users = await col.find({ resourceType: "User", action: "created" }).toArray();
    // One document per chunk of 1,000 creates gathered across pages (of 20 here), naming each once.
    const created = r.history.stats.usersCreated;
    expect(users).toHaveLength(Math.ceil(created / 1000));
    const named = users.flatMap((b) => b.resourceIds as string[]);
    expect(new Set(named).size).toBe(created);
    expect(named).toHaveLength(created);
    expect(users[0]).toMatchObject({ source: { kind: "sync", historyId: r.historyId } });
    expect(users[0]!.expiresAt).toBeInstanceOf(Date);
    expect(await col.countDocuments({ resourceType: "Group", action: "created" })).toBe(
      Math.ceil(r.history.stats.orgUnitsCreated / 1000),
    );
    const jane = pickUser(t);
    const report = await rt.inspect(jane.email);
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]).toMatchObject({
      resourceId: jane.id,
      subject: jane.email,
      action: "created",
      source: { kind: "sync", historyId: r.historyId },
    });
    // A later change is listed first, beside the create it follows.
    setDepartment(t, jane.id, "D-LATER");
    await rt.runSync({ type: "full" });
    expect((await rt.inspect(jane.email)).changes.map((c) => c.action)).toEqual([
      "updated",
      "created",
    ]);
  });

  test("`runSync()` writes no change record when nothing changed", async () => {
    t = await syncEnv("chg_noop");
    const rt = await synced(t);
    const col = t.mongo.db(t.dbName).collection("syncChanges");
    const before = await col.countDocuments();
    const r = await rt.runSync({ type: "full" });
    expect(r.history.stats.usersUnchanged).toBeGreaterThan(0);
    expect(await col.countDocuments()).toBe(before);
  });

  test("`runSync()` records a deactivation (isActive true → false) when a user left the SSO", async () => {
    t = await syncEnv("chg_deact");
    const rt = await synced(t);
    const leaver = pickUser(t, 1);
    t.sso.sso.directory.remove("User", leaver.id);
    const r = await rt.runSync({ type: "full" });
    expect(r.history.stats.usersDeactivated).toBe(1);
    const [rec] = await changesOf(t, leaver.id);
    expect(rec).toMatchObject({
      action: "deactivated",
      subject: leaver.email,
      fields: ["isActive"],
      values: { isActive: { old: true, new: false } },
      source: { kind: "sync", historyId: r.historyId },
    });
  });

  test("`events.apply()` records a webhook update with its eventId when the phone changes", async () => {
    t = await syncEnv("chg_hook");
    const rt = await synced(t);
    const jane = pickUser(t, 2);
    const raw = t.sso.sso.directory.update("User", jane.id, (cur) => ({
      ...cur,
      phoneNumbers: [{ value: "+62 811 0000", primary: true }],
    }));
    const mapped = mapUser(raw);
    if (!mapped.ok) throw new Error(mapped.error.message);
    const old = (await t.mongo.db(t.dbName).collection("users").findOne({ ssoUserId: jane.id }))!;
    const e: ForwardedEvent = {
      eventId: "evt-phone-1",
      event: "user.updated",
      resourceType: "User",
      resourceId: jane.id,
      action: "update",
      occurredAt: null,
      receivedAt: new Date().toISOString(),
      user: mapped.value,
      orgUnit: null,
    };
    expect((await rt.events.apply(e)).status).toBe("success");
    const [rec] = await changesOf(t, jane.id);
    expect(rec).toMatchObject({
      action: "updated",
      subject: jane.email,
      fields: ["phone"],
      values: { phone: { old: old.phone, new: "+62 811 0000" } },
      source: { kind: "webhook", eventId: "evt-phone-1" },
    });
  });
});

describe("person inspector and provision on demand", () => {
  test("`inspect()` shows the department mismatch and `syncPerson()` fixes it with a scim_user_sync record", async () => {
    t = await syncEnv("person_fix");
    const rt = await synced(t);
    const jane = pickUser(t);
    setDepartment(t, jane.id, "D-FIXED");
    for (const key of [jane.email, jane.id, String(jane.ent.employeeNumber)]) {
      const report = await rt.inspect(key);
      expect(report.ssoUserId).toBe(jane.id);
      expect(report.fields.find((f) => f.field === "departmentId")).toMatchObject({
        ofm: jane.ent.department,
        sso: "D-FIXED",
        equal: false,
      });
      // Changed in the SSO, no webhook event came: the verdict says so, not "edited in OFM".
      expect(report.findings.map((f) => f.cause)).toEqual(["webhook_missing"]);
    }
    const r = await rt.syncPerson(jane.email);
    expect(r).toMatchObject({ outcome: "updated", ssoUserId: jane.id });
    const after = await rt.inspect(jane.email);
    expect(after.findings.map((f) => f.cause)).toEqual(["in_sync"]);
    expect(after.changes[0]).toMatchObject({
      fields: ["departmentId"],
      source: { kind: "on_demand", historyId: r.historyId },
    });
    const history = await rt.history.recent(1);
    expect(history[0]).toMatchObject({ type: "scim_user_sync", status: "success" });
    expect(history[0]!.stats.usersUpdated).toBe(1);
    // One person proves nothing about the rest: the schedule's last full success is unchanged.
    expect((await rt.history.lastSuccess())?.type).toBe("scim_full_sync");
  });

  test("`syncPerson()` holds a deletion found on demand at the guard, and applies it with force", async () => {
    t = await syncEnv("person_gone");
    const rt = await synced(t, { SYNC_MAX_DEACTIVATE: "0" });
    const gone = pickUser(t, 3);
    t.sso.sso.directory.remove("User", gone.id);
    const report = await rt.inspect(gone.id);
    expect(report.findings.map((f) => f.cause)).toEqual(["not_in_sso"]);
    const held = await rt.syncPerson(gone.id);
    expect(held.outcome).toBe("aborted");
    expect(held.message).toContain("SYNC_MAX_DEACTIVATE");
    const users = t.mongo.db(t.dbName).collection("users");
    expect((await users.findOne({ ssoUserId: gone.id }))?.isActive).toBe(true);
    const forced = await rt.syncPerson(gone.id, { force: true });
    expect(forced.outcome).toBe("deactivated");
    expect((await users.findOne({ ssoUserId: gone.id }))?.isActive).toBe(false);
    const [rec] = await changesOf(t, gone.id);
    expect(rec).toMatchObject({
      action: "deactivated",
      source: { kind: "on_demand", historyId: forced.historyId },
    });
  });

  test("`syncPerson()` rewrites a field edited in OFM itself, whose content hash still matches the SSO", async () => {
    t = await syncEnv("person_drift");
    const rt = await synced(t);
    const jane = pickUser(t, 4);
    const users = t.mongo.db(t.dbName).collection("users");
    await users.updateOne({ ssoUserId: jane.id }, { $set: { departmentId: "D-EDITED-IN-OFM" } });
    // The stored fields no longer hash to the stored content hash: an edit made in OFM.
    expect((await rt.inspect(jane.id)).findings.map((f) => f.cause)).toEqual(["ofm_edited"]);
    // A full sync compares hashes only: it leaves the edit in place.
    expect((await rt.runSync({ type: "full" })).history.stats.usersUpdated).toBe(0);
    const r = await rt.syncPerson(jane.id);
    expect(r.outcome).toBe("updated");
    expect((await users.findOne({ ssoUserId: jane.id }))?.departmentId).toBe(jane.ent.department);
    expect((await changesOf(t, jane.id))[0]).toMatchObject({
      action: "updated",
      fields: ["departmentId"],
      values: { departmentId: { old: "D-EDITED-IN-OFM", new: jane.ent.department } },
      source: { kind: "on_demand", historyId: r.historyId },
    });
    expect((await rt.inspect(jane.id)).findings.map((f) => f.cause)).toEqual(["in_sync"]);
  });

  test("`syncPerson()` answers not_found and records nothing when the key is unknown", async () => {
    t = await syncEnv("person_unknown");
    const rt = await synced(t);
    const before = (await rt.history.recent(10)).length;
    const r = await rt.syncPerson("nobody@nowhere.example");
    expect(r).toMatchObject({ outcome: "not_found", historyId: null });
    expect((await rt.history.recent(10)).length).toBe(before);
    const report = await rt.inspect("nobody@nowhere.example");
    expect(report.findings.map((f) => f.cause)).toEqual(["not_in_sso"]);
  });
});

describe("finding people", () => {
  test("`findPeople()` finds by the start of a name with the SSO's active flag, and by an exact employee number", async () => {
    t = await syncEnv("person_find");
    const rt = await synced(t);
    const jane = pickUser(t, 2);
    const u = t.sso.sso.directory.get("User", jane.id)!;
    const given = String((u.name as Json).givenName);
    const found = await rt.findPeople(given.slice(0, 3).toLowerCase());
    const hit = found.people.find((p) => p.ssoUserId === jane.id);
    expect(hit).toMatchObject({ email: jane.email, activeInOfm: true, activeInSso: true });
    expect(found.exact).toBeNull();
    t.sso.sso.directory.remove("User", jane.id);
    const after = await rt.findPeople(jane.email);
    expect(after.people.find((p) => p.ssoUserId === jane.id)?.activeInSso).toBeNull();
    const byNumber = await rt.findPeople(String(jane.ent.employeeNumber));
    expect(byNumber.people).toEqual([]);
    expect(byNumber.exact).toBe(jane.id);
  });
});

/**
 * Provision on demand for one org unit end to end: the development SSO, the
 * MongoDB-wire server, the runtime as the daemon wires it and the runner's
 * HTTP route behind the admin rule.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { silentLogger } from "../../../shared/logger.ts";
import type { Runtime } from "../../../runner/compose.ts";
import { createRunnerApp } from "../../../runner/http/app.ts";
import { summarizeHistory } from "../../../runner/scheduler/schedule.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const TOKEN = "org-unit-admin-token";

async function synced(env: SyncEnv, extra: Record<string, string> = {}): Promise<Runtime> {
  const rt = await env.runtime(extra);
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  return rt;
}

/** A group of the SSO, renamed there (OFM still has the old name). */
function renameGroup(env: SyncEnv, n: number, name: string) {
  const g = env.sso.sso.directory.list("Group")[n]!;
  const id = String(g.id);
  env.sso.sso.directory.update("Group", id, (cur) => ({ ...cur, displayName: name }));
  return { id, oldName: String(g.displayName) };
}

const unitChanges = (env: SyncEnv, id: string) =>
  env.mongo.db(env.dbName).collection("syncChanges").find({ resourceId: id }).sort({ at: -1 })
    .toArray();

describe("provision on demand for one org unit", () => {
  test("`syncOrgUnit()` updates a renamed unit found by its old name, with a scim_group_sync record and a change record", async () => {
    t = await syncEnv("ou_rename", { users: 20, maxResults: 50 });
    const rt = await synced(t);
    const g = renameGroup(t, 0, "Renamed Unit");
    const r = await rt.syncOrgUnit(g.oldName);
    expect(r).toMatchObject({ outcome: "updated", orgUnitId: g.id });
    const units = t.mongo.db(t.dbName).collection("orgUnits");
    expect((await units.findOne({ _id: g.id as never }))?.unitName).toBe("Renamed Unit");
    const [rec] = await unitChanges(t, g.id);
    expect(rec).toMatchObject({
      resourceType: "Group",
      action: "updated",
      fields: ["unitName"],
      values: { unitName: { old: g.oldName, new: "Renamed Unit" } },
      source: { kind: "on_demand", historyId: r.historyId },
    });
    const [last] = await rt.history.recent(1);
    expect(last).toMatchObject({ type: "scim_group_sync", status: "success" });
    expect(last!.stats.orgUnitsUpdated).toBe(1);
    // The scheduler ignores it: the schedule's facts are those of the full sync before.
    const facts = summarizeHistory(await rt.history.recent(10));
    expect(facts.lastAttemptAt).toEqual((await rt.history.recent(2))[1]!.completedAt);
    expect((await rt.history.lastSuccess())?.type).toBe("scim_full_sync");
    // Again by its id: nothing left to change.
    expect((await rt.syncOrgUnit(g.id)).outcome).toBe("unchanged");
  });

  test("`syncOrgUnit()` holds a deleted group at the guard, and deactivates it with force", async () => {
    t = await syncEnv("ou_gone", { users: 20, maxResults: 50 });
    const rt = await synced(t, { SYNC_MAX_DEACTIVATE: "0" });
    const g = t.sso.sso.directory.list("Group")[1]!;
    const id = String(g.id);
    t.sso.sso.directory.remove("Group", id);
    const held = await rt.syncOrgUnit(id);
    expect(held.outcome).toBe("aborted");
    expect(held.message).toContain("SYNC_MAX_DEACTIVATE");
    const units = t.mongo.db(t.dbName).collection("orgUnits");
    expect((await units.findOne({ _id: id as never }))?.isActive).toBe(true);
    expect((await rt.history.recent(1))[0]).toMatchObject({
      type: "scim_group_sync",
      status: "aborted",
    });
    const forced = await rt.syncOrgUnit(id, { force: true });
    expect(forced.outcome).toBe("deactivated");
    expect((await units.findOne({ _id: id as never }))?.isActive).toBe(false);
    const [rec] = await unitChanges(t, id);
    expect(rec).toMatchObject({
      action: "deactivated",
      values: { isActive: { old: true, new: false } },
      source: { kind: "on_demand", historyId: forced.historyId },
    });
  });

  test("`syncOrgUnit()` creates a unit new in the SSO and answers not_found for an unknown key, recording nothing", async () => {
    t = await syncEnv("ou_new", { users: 20, maxResults: 50 });
    const rt = await synced(t);
    const created = t.sso.sso.directory.create("Group", { displayName: "Brand New Unit" });
    const r = await rt.syncOrgUnit("Brand New Unit");
    expect(r).toMatchObject({ outcome: "created", orgUnitId: String(created.id) });
    const before = (await rt.history.recent(20)).length;
    expect(await rt.syncOrgUnit("No Such Unit")).toMatchObject({
      outcome: "not_found",
      historyId: null,
    });
    expect((await rt.history.recent(20)).length).toBe(before);
  });

  test("`POST /api/v1/scim/org-units/:key/sync` answers 401 without the token, 200 with it, 404 for an unknown unit", async () => {
    t = await syncEnv("ou_route", { users: 20, maxResults: 50 });
    const rt = await synced(t);
    const app = createRunnerApp({
      config: { host: "127.0.0.1", adminToken: TOKEN },
      sync: {
        scheduler: rt.scheduler,
        now: () => new Date(),
        logger: silentLogger,
        page: {
          ssoBaseUrl: "http://sso",
          connection: () => rt.connection(),
          recentHistory: (n) => rt.history.recent(n),
          recentEvents: (n) => rt.events.recent(n),
          leaseHolder: async () => null,
        },
      },
      people: { inspect: rt.inspect, syncPerson: rt.syncPerson, syncOrgUnit: rt.syncOrgUnit },
      health: async () => ({ code: 200, report: {} as never }),
      metrics: { render: async () => ({ body: "", contentType: "text/plain" }) },
      logger: silentLogger,
    });
    const g = renameGroup(t, 2, "Route Renamed");
    const path = `/api/v1/scim/org-units/${encodeURIComponent(g.oldName)}/sync`;
    expect((await app.request(path, { method: "POST", headers: { Host: "127.0.0.1" } })).status)
      .toBe(401);
    const auth = { Authorization: `Bearer ${TOKEN}`, Host: "127.0.0.1" };
    const res = await app.request(path, { method: "POST", headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: "updated", orgUnitId: g.id });
    const unknown = await app.request("/api/v1/scim/org-units/nope/sync", {
      method: "POST",
      headers: auth,
    });
    expect(unknown.status).toBe(404);
  });
});

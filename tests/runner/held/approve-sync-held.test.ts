// Approving what a sync held asks the directory first, for people and org units alike: an org
// unit gone (a SCIM 404) is deactivated; a person `active: false` in the SSO gets the directory's
// record, inactive; an SSO that answers 500 applies nothing and leaves them held. Real engine,
// development SSO and MongoDB-wire server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Runtime } from "../../../runner/compose.ts";
import { HeldItem } from "../../../runner/documents/held-item.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv;
let rt: Runtime;
let group = "";
let off = "";
let asked = "";

const db = () => t.mongo.db(t.dbName);
const item = async (id: string) =>
  HeldItem.parse(await db().collection("heldDeactivations").findOne({ _id: id as never }));

beforeAll(async () => {
  t = await syncEnv("approve_held", { users: 30, maxResults: 50 });
  rt = await t.runtime({ SYNC_MAX_DEACTIVATE: "0", SCIM_MAX_RETRIES: "0" });
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  const dir = t.sso.sso.directory;
  // A unit no user belongs to, so its removal changes nobody else.
  const used = new Set(
    (await db().collection("users").find({}).toArray()).flatMap((u) =>
      [u.departmentId, u.companyId, u.positionId].filter(Boolean)
    ),
  );
  const parents = new Set(
    dir.list("Group").map((g) =>
      (g["x-orgUnit"] as { parentUnitId?: string } | undefined)?.parentUnitId
    ),
  );
  group = String(
    dir.list("Group").find((g) => !used.has(String(g.id)) && !parents.has(String(g.id)))!.id,
  );
  [off, asked] = dir.list("User").filter((u) => u.active !== false).slice(0, 2).map((u) =>
    String(u.id)
  ) as [string, string];
  dir.remove("Group", group);
  dir.update("User", off, (cur) => ({ ...cur, active: false }));
  dir.update("User", asked, (cur) => ({ ...cur, active: false }));
  const { history } = await rt.runSync({ type: "full" });
  expect(history.status).toBe("aborted");
}, 60_000);
afterAll(() => t.close());

describe("approving what a sync held", () => {
  test("the refused run held the inactive people with their reason and names from the SSO", async () => {
    const h = await item(`User:${off}`);
    const u = t.sso.sso.directory.get("User", off)!;
    expect(h).toMatchObject({
      status: "held",
      reason: "inactive_in_sso",
      email: String(u.userName),
    });
  });

  test("decisions.approve() writes an inactive person's record from the SSO, inactive, through the gate", async () => {
    const r = await rt.decisions.approve({ keys: [off] }, "test operator");
    expect(r.results).toEqual([
      expect.objectContaining({
        outcome: "deactivated",
        message: "deactivated: inactive in the SSO",
      }),
    ]);
    const u = await db().collection("users").findOne({ ssoUserId: off });
    expect(u?.isActive).toBe(false);
    expect(u?.syncHash).not.toBe("");
    expect((await item(`User:${off}`)).status).toBe("applied");
    const gate = await db().collection("deactivationGate").find({ kind: "users" })
      .sort({ seq: -1 }).limit(1).next();
    expect(gate!.entries).toContainEqual(
      expect.objectContaining({ by: "approval:test operator", n: 1, forced: true }),
    );
  });

  test("decisions.approve() leaves a person held when the SSO answers 500: nothing written", async () => {
    const fault = t.sso.sso.faults.add({
      kind: "status",
      status: 500,
      route: "get",
      resource: "Users",
    });
    try {
      const r = await rt.decisions.approve({ keys: [asked] }, "test operator");
      expect(r.results[0]).toMatchObject({ outcome: "unknown", status: "held" });
      expect(r.results[0]!.message).toContain("not applied: the SSO could not say");
    } finally {
      t.sso.sso.faults.remove(fault);
    }
    expect((await db().collection("users").findOne({ ssoUserId: asked }))?.isActive).toBe(true);
    expect((await item(`User:${asked}`)).status).toBe("held");
  });

  test("decisions.approve() deactivates an org unit the SSO answers 404 for", async () => {
    // Held by the run refused for the people: held now by one refused for the unit alone.
    await rt.decisions.approve({ keys: [asked] }, "test operator");
    expect((await rt.runSync({ type: "full" })).history.status).toBe("aborted");
    expect(await item(`Group:${group}`)).toMatchObject({
      status: "held",
      reason: "absent_from_listing",
    });
    const r = await rt.decisions.approve({ keys: [`Group:${group}`] }, "test operator");
    expect(r.results).toEqual([
      expect.objectContaining({
        outcome: "deactivated",
        message: "deactivated: gone from the SSO",
      }),
    ]);
    expect((await db().collection("orgUnits").findOne({ _id: group as never }))?.isActive).toBe(
      false,
    );
  });
});

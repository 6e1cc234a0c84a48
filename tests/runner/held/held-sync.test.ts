// A full sync the gate refuses holds its people; an operator approves some by name, rejects
// others, applies the rest; a later sync leaves the rejected to the operator again. Real engine,
// the development SSO, the MongoDB-wire server of `npm test`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Runtime } from "../../../runner/compose.ts";
import { HeldItem } from "../../../runner/documents/held-item.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv;
let rt: Runtime;
let removed: string[] = [];
let abortedId = "";
let rejected: string[] = [];

const db = () => t.mongo.db(t.dbName);
const items = async (filter: object = {}) =>
  (await db().collection("heldDeactivations").find(filter).toArray()).map((d) => HeldItem.parse(d));

/** Puts a removed person back in the SSO, active, as OFM has them. */
async function backInSso(ssoUserId: string): Promise<void> {
  const u = (await db().collection("users").findOne({ ssoUserId }))!;
  t.sso.sso.directory.create("User", {
    id: ssoUserId,
    userName: u.email,
    name: { givenName: u.firstName, familyName: u.lastName },
    emails: [{ value: u.email, primary: true }],
    active: true,
  });
}

beforeAll(async () => {
  t = await syncEnv("heldsync", { users: 240, maxResults: 100 });
  rt = await t.runtime({ SYNC_MAX_DEACTIVATE: "20", SCIM_RATE_LIMIT: "60000" });
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  const ids = t.sso.sso.directory.list("User").filter((u) => u.active !== false).map((u) =>
    String(u.id)
  );
  removed = ids.slice(0, 100);
  for (const id of removed) t.sso.sso.directory.remove("User", id);
}, 60_000);
afterAll(() => t.close());

describe("a refused full sync's people, held", () => {
  test(
    "runSync() aborts past SYNC_MAX_DEACTIVATE and holds every absent person, named, with its reason and run",
    async () => {
      const { history, historyId } = await rt.runSync({ type: "full" });
      expect(history.status).toBe("aborted");
      expect(history.error?.message).toContain(
        "approve them under Held deactivations on the sync page",
      );
      expect(history.error?.message).toContain("--force");
      abortedId = historyId!;
      expect(
        await db().collection("users").countDocuments({
          ssoUserId: { $in: removed },
          isActive: true,
        }),
      )
        .toBe(100);
      const held = await items();
      expect(held.map((h) => h.resourceId).sort()).toEqual([...removed].sort());
      const stored = await db().collection("users").find({ ssoUserId: { $in: removed } }).toArray();
      const byId = new Map(stored.map((u) => [u.ssoUserId as string, u]));
      for (const h of held) {
        const u = byId.get(h.resourceId)!;
        expect(h).toMatchObject({
          _id: `User:${h.resourceId}`,
          resourceType: "User",
          status: "held",
          reason: "absent_from_listing",
          name: `${u.firstName} ${u.lastName}`,
          email: u.email,
          departmentId: u.departmentId,
          source: { kind: "sync", historyId: abortedId },
          decision: null,
        });
      }
    },
    60_000,
  );

  test(
    "runSync() again asks the gate again, is refused again, and holds the same people again: `since` kept, the newer run as source",
    async () => {
      const before = await items();
      const { history, historyId } = await rt.runSync({ type: "full" });
      expect(history.status).toBe("aborted");
      expect(history.stats.usersDeactivated).toBe(0);
      const after = await items();
      expect(after.length).toBe(100);
      expect(after.every((h) => h.status === "held")).toBe(true);
      expect(after.every((h) => h.source.kind === "sync" && h.source.historyId === historyId))
        .toBe(true);
      const since = new Map(before.map((h) => [h._id, h.since.getTime()]));
      expect(after.every((h) => since.get(h._id) === h.since.getTime())).toBe(true);
    },
    60_000,
  );

  test(
    "decisions.approve() by name deactivates 3 after asking the SSO, past the gate as an approval",
    async () => {
      const three = (await items()).slice(0, 3);
      const countedBefore = (await rt.gate.figures("users")).counted;
      const r = await rt.decisions.approve({ keys: three.map((h) => h.email!) }, "test operator");
      expect(r.deactivated).toBe(3);
      expect(r.unmatched).toEqual([]);
      expect(r.results.map((x) => x.outcome)).toEqual([
        "deactivated",
        "deactivated",
        "deactivated",
      ]);
      const ids = three.map((h) => h.resourceId);
      expect(
        await db().collection("users").countDocuments({ ssoUserId: { $in: ids }, isActive: false }),
      )
        .toBe(3);
      const now = await items({ resourceId: { $in: ids } });
      for (const h of now) {
        expect(h.status).toBe("applied");
        expect(h.decision).toMatchObject({ status: "applied", by: "test operator" });
      }
      // Forced: recorded, not counted.
      expect((await rt.gate.figures("users")).counted).toBe(countedBefore);
      const changes = await db().collection("syncChanges").find({ resourceId: { $in: ids } })
        .toArray();
      expect(changes.filter((c) => c.action === "deactivated").map((c) => c.source)).toEqual(
        ids.map(() => ({
          kind: "held_approval",
          historyId: expect.any(String),
          by: "test operator",
        })),
      );
    },
    60_000,
  );

  test(
    "decisions.reject() keeps 2 active and records who decided; a later sync holds them again, the rejection shown",
    async () => {
      const two = (await items({ status: "held" })).slice(0, 2);
      const r = await rt.decisions.reject({ keys: two.map((h) => h._id) }, "test operator");
      expect(r.rejected).toBe(2);
      const ids = two.map((h) => h.resourceId);
      expect(
        await db().collection("users").countDocuments({ ssoUserId: { $in: ids }, isActive: true }),
      )
        .toBe(2);
      for (const h of await items({ resourceId: { $in: ids } })) {
        expect(h.status).toBe("rejected");
        expect(h.decision).toMatchObject({ status: "rejected", by: "test operator" });
      }
      // Still absent: a run (refused for the others still held) holds them for a new decision.
      const { history, historyId } = await rt.runSync({ type: "full" });
      expect(history.status).toBe("aborted");
      expect(
        await db().collection("users").countDocuments({ ssoUserId: { $in: ids }, isActive: true }),
      )
        .toBe(2);
      for (const h of await items({ resourceId: { $in: ids } })) {
        expect(h.status).toBe("held");
        expect(h.source).toEqual({ kind: "sync", historyId: historyId! });
        expect(h.previous).toMatchObject({ status: "rejected", by: "test operator" });
        expect(h.decision).toBeNull();
      }
      rejected = ids;
    },
    60_000,
  );

  test(
    "decisions.approve() of one back in the SSO applies nothing and clears it; a sync clears one listed again",
    async () => {
      const [back, listed] = await items({ status: "held", resourceId: { $nin: rejected } });
      await backInSso(back!.resourceId);
      const r = await rt.decisions.approve({ keys: [back!.resourceId] }, "test operator");
      expect(r.results[0]).toMatchObject({ outcome: "present", status: "cleared" });
      expect((await db().collection("users").findOne({ ssoUserId: back!.resourceId }))?.isActive)
        .toBe(true);
      await backInSso(listed!.resourceId);
      expect((await rt.runSync({ type: "full" })).history.status).toBe("aborted");
      const [cleared] = await items({ resourceId: listed!.resourceId });
      expect(cleared).toMatchObject({ status: "cleared", decision: { status: "cleared" } });
      // Every run holds the rejected again while the SSO still lacks them: rejected anew.
      expect((await items({ resourceId: { $in: rejected } })).map((h) => h.status)).toEqual([
        "held",
        "held",
      ]);
      expect((await rt.decisions.reject({ keys: rejected }, "test operator")).rejected).toBe(2);
    },
    60_000,
  );

  test(
    "decisions.approve({ all }) applies every one still held, the rejected kept; the gate counts none of it",
    async () => {
      const figures = await rt.gate.figures("users");
      const held = await items({ status: "held" });
      expect(held.length).toBe(100 - 3 - 2 - 2);
      const r = await rt.decisions.approve({ all: true }, "test operator");
      expect(r.deactivated).toBe(held.length);
      expect(
        await db().collection("users").countDocuments({
          ssoUserId: { $in: held.map((h) => h.resourceId) },
          isActive: false,
        }),
      ).toBe(held.length);
      expect(await items({ status: "held" })).toEqual([]);
      expect((await items({ status: "rejected" })).length).toBe(2);
      const after = await rt.gate.figures("users");
      expect(after.counted).toBe(figures.counted);
      expect(after.remaining).toBe(figures.remaining);
      const state = await db().collection("deactivationGate").find({ kind: "users" }).sort({
        seq: -1,
      })
        .limit(1).next();
      const approvals = (state!.entries as { forced: boolean; by: string; n: number }[])
        .filter((e) => e.by === "approval:test operator");
      expect(approvals.every((e) => e.forced)).toBe(true);
      expect(approvals.reduce((s, e) => s + e.n, 0)).toBe(3 + held.length);
    },
    60_000,
  );
});

// The held deactivations from the API alone, against a real runner process: a full sync with 100
// people gone from the development SSO is refused and holds them; 3 approved by name, 2 rejected,
// the rest applied after confirming their number. Asserted on the answers and on MongoDB.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HeldListAnswer } from "../../../runner/http/held-answers.ts";
import { type RunnerProcess, startRunner, waitFor } from "../support/runner-process.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const TOKEN = "held-api-admin-token-0123456789";
let t: SyncEnv;
let runner: RunnerProcess;
let removed: string[] = [];

const db = () => t.mongo.db(t.dbName);
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${runner.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
  });
const post = (path: string, body: unknown) =>
  api(path, { method: "POST", body: JSON.stringify(body) });
const list = async (page = 1, status = "held") =>
  HeldListAnswer.parse(await (await api(`/api/v1/scim/held?page=${page}&status=${status}`)).json());
const active = (ids: readonly string[]) =>
  db().collection("users").countDocuments({ ssoUserId: { $in: [...ids] }, isActive: true });

/** Starts a full sync through the API and waits for its outcome. */
async function fullSync(): Promise<{ status: string; error: string | null }> {
  const res = await post("/api/v1/scim/sync?type=full", {});
  expect(res.status).toBe(202);
  const { runId } = (await res.json()) as { runId: string };
  return await waitFor(
    async () => {
      const s = (await (await api(`/api/v1/scim/sync/status?runId=${runId}`)).json()) as {
        job: { status: string; error: string | null } | null;
      };
      return s.job && s.job.status !== "running" ? s.job : null;
    },
    60_000,
    "the full sync's outcome",
  );
}

beforeAll(async () => {
  t = await syncEnv("heldapi", { users: 200, maxResults: 100 });
  runner = await startRunner({
    ...t.env,
    ADMIN_TOKEN: TOKEN,
    SYNC_MAX_DEACTIVATE: "20",
    SYNC_ON_START: "false",
    SYNC_INTERVAL: "6h",
    SCIM_RATE_LIMIT: "60000",
  });
  expect((await fullSync()).status).toBe("success");
  removed = t.sso.sso.directory.list("User").filter((u) => u.active !== false).slice(0, 100)
    .map((u) => String(u.id));
  for (const id of removed) t.sso.sso.directory.remove("User", id);
}, 90_000);
afterAll(async () => {
  runner?.signal("SIGTERM");
  await runner?.exited;
  await t.close();
});

describe("held deactivations through the API", () => {
  test(
    "a refused full sync says where to approve, and GET /api/v1/scim/held lists its 100 people 50 a page",
    async () => {
      const outcome = await fullSync();
      expect(outcome.status).toBe("aborted");
      expect(outcome.error).toContain("approve them under Held deactivations on the sync page");
      const [one, two, three] = [await list(1), await list(2), await list(3)];
      expect([one.total, one.pages, one.items.length, two.items.length]).toEqual([100, 2, 50, 50]);
      expect(three.items).toEqual([]);
      const items = [...one.items, ...two.items];
      expect(items.map((i) => i.resourceId).sort()).toEqual([...removed].sort());
      expect(items.every((i) => i.reason === "absent_from_listing" && i.name && i.email)).toBe(
        true,
      );
      expect(items[0]!.reasonText).toBe("absent from a complete listing of the SSO");
      expect(await active(removed)).toBe(100);
    },
    90_000,
  );

  test("POST /api/v1/scim/held/apply with 3 people found by name deactivates those 3 only", async () => {
    const items = (await list(1)).items;
    const three = items.filter((i) => i.name).slice(0, 3);
    const res = await post("/api/v1/scim/held/apply", {
      ids: three.map((i) => i.id),
      by: "ops",
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { deactivated: number; results: { name: string }[] };
    expect(answer.deactivated).toBe(3);
    expect(answer.results.map((r) => r.name).sort()).toEqual(three.map((i) => i.name!).sort());
    expect(await active(three.map((i) => i.resourceId))).toBe(0);
    expect(await active(removed)).toBe(97);
    const applied = await list(1, "applied");
    expect(applied.total).toBe(3);
    expect(applied.items[0]!.decision).toMatchObject({ status: "applied", by: "API (ops)" });
  });

  test("POST /api/v1/scim/held/reject keeps 2 active and records the decision", async () => {
    const two = (await list(1)).items.slice(0, 2);
    const res = await post("/api/v1/scim/held/reject", { ids: two.map((i) => i.email) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { rejected: number }).rejected).toBe(2);
    expect(await active(two.map((i) => i.resourceId))).toBe(2);
    expect((await list(1, "rejected")).items.map((i) => i.id).sort()).toEqual(
      two.map((i) => i.id).sort(),
    );
  });

  test("the held routes refuse without the admin token and from another site, deciding nothing", async () => {
    const none = await fetch(`${runner.url}/api/v1/scim/held`);
    expect(none.status).toBe(401);
    const cross = await fetch(`${runner.url}/api/v1/scim/held/apply`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        origin: "https://evil.example",
        "content-type": "application/json",
      },
      body: JSON.stringify({ ids: [(await list(1)).items[0]!.id] }),
    });
    expect(cross.status).toBe(403);
    const noToken = await fetch(`${runner.url}/api/v1/scim/held/apply`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ all: true, count: 95 }),
    });
    expect(noToken.status).toBe(401);
    expect(await active(removed)).toBe(97);
  });
  test("POST /api/v1/scim/held/apply with all refuses a stale count (409, nothing applied), then applies the 95 confirmed", async () => {
    const stale = await post("/api/v1/scim/held/apply", { all: true, count: 100 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ total: 95 });
    expect(await active(removed)).toBe(97);
    const bad = await post("/api/v1/scim/held/apply", { all: true });
    expect(bad.status).toBe(400);
    const gateBefore = await db().collection("deactivationGate").find({ kind: "users" })
      .sort({ seq: -1 }).limit(1).next();
    const res = await post("/api/v1/scim/held/apply", { all: true, count: 95 });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { deactivated: number }).deactivated).toBe(95);
    expect(await active(removed)).toBe(2);
    expect((await list(1)).total).toBe(0);
    // Approvals pass the gate forced: recorded as entries, not counted against the limit.
    const gate = await db().collection("deactivationGate").find({ kind: "users" })
      .sort({ seq: -1 }).limit(1).next();
    const entries = gate!.entries as { n: number; forced: boolean; by: string }[];
    const approved = entries.filter((e) => e.by.startsWith("approval:"));
    expect(approved.every((e) => e.forced)).toBe(true);
    expect(approved.reduce((s, e) => s + e.n, 0)).toBe(98);
    const counted = (xs: typeof entries) =>
      xs.filter((e) => !e.forced).reduce((s, e) => s + e.n, 0);
    expect(counted(entries)).toBe(counted(gateBefore!.entries as typeof entries));
  });
});

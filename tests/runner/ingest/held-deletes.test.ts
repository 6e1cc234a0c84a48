// Webhook deactivations past the guard's window limit are held, shown, and applied only by an operator:
// real engine and development SSO for the users and the sync history, the real event store on the
// MongoDB-wire server, the real runner app with its admin token.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Hono } from "hono";
import { createRunnerApp } from "../../../runner/http/app.ts";
import { webhookMounts } from "../../../runner/http/mounts.ts";
import { loadSyncPage, type PageSources } from "../../../runner/http/page-data.ts";
import type { HealthReport } from "../../../runner/health.ts";
import { createMetrics } from "../../../runner/metrics.ts";
import type { Runtime } from "../../../runner/compose.ts";
import { heldSummary } from "../../../runner/cli/summary.ts";
import { heldPanelData } from "../../../runner/http/held-routes.tsx";
import { silentLogger } from "../../../shared/logger.ts";
import { signScimBody } from "../../../shared/signature.ts";
import { INGEST_SECRET, userEvent } from "../support/ingest-harness.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const ADMIN_TOKEN = "held-admin-token-0123456789abcdef";

let t: SyncEnv;
let rt: Runtime;
let app: Hono;
let page: Omit<PageSources, "scheduler" | "now">;
let allowed = 0;
let activeAtStart = 0;
const scheduler = {
  trigger: async () => ({ ok: false as const, reason: "busy" as const }),
  current: null,
  lastJob: null,
  nextRunAt: null,
  nextRunType: null,
};

const users = () => t.mongo.db(t.dbName).collection("users");
const events = () => t.mongo.db(t.dbName).collection("webhookEvents");
const activeIds = async () =>
  (await users().find({ isActive: true }, { projection: { ssoUserId: 1 } }).sort({ ssoUserId: 1 })
    .toArray())
    .map((d) => d.ssoUserId as string);

async function ingest(e: unknown): Promise<{ code: number; status: string }> {
  const body = JSON.stringify(e);
  const res = await app.request("/api/v1/scim/events", {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-scim-signature": await signScimBody(INGEST_SECRET, body),
    },
  });
  return { code: res.status, status: ((await res.json()) as { status: string }).status };
}
const deleteEvent = (id: string, resourceId: string) =>
  userEvent({ id, event: "user.deleted", resourceId, timestamp: new Date().toISOString() });

beforeAll(async () => {
  t = await syncEnv("held", { users: 60, maxResults: 50 });
  rt = await t.runtime({
    INGEST_SECRET,
    ADMIN_TOKEN,
    SYNC_MAX_DEACTIVATE: "20%",
    SYNC_GUARD_WINDOW: "24h",
  });
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  activeAtStart = (await activeIds()).length;
  allowed = Math.floor(activeAtStart * 0.2);
  page = {
    ssoBaseUrl: t.sso.url,
    connection: () => rt.connection(),
    recentHistory: (n) => rt.history.recent(n),
    recentEvents: (n) => rt.events.recent(n),
    heldPage: () => heldPanelData(rt.held.page),
    leaseHolder: async () => null,
  };
  app = createRunnerApp({
    config: { host: "127.0.0.1", adminToken: ADMIN_TOKEN },
    sync: {
      scheduler,
      now: () => new Date(),
      logger: silentLogger,
      applyHeld: () => rt.decisions.approve({ all: true }, "API"),
      page,
    },
    health: async () => ({ code: 200, report: {} as HealthReport }),
    metrics: createMetrics(),
    logger: silentLogger,
    mounts: webhookMounts({ events: rt.events, config: rt.config, logger: silentLogger }),
  });
}, 60_000);
afterAll(() => t.close());

describe("webhook deactivations and the guard window", () => {
  let held: string[] = [];
  /** The person the aborted run held besides the webhooks' (absent from its listing). */
  let syncHeld = "";

  test("createIngestApp() holds user.deleted past the window's limit, counting the sync's deactivations, answering 200 held", async () => {
    // A sync deactivates 3: they count in the window with the webhooks that follow.
    for (
      const u of t.sso.sso.directory.list("User").filter((u) => u.active !== false).slice(0, 3)
    ) {
      t.sso.sso.directory.remove("User", String(u.id));
    }
    const sync = await rt.runSync({ type: "full" });
    expect(sync.history.stats.usersDeactivated).toBe(3);

    // A burst, all at once: the gate must not let them all pass on the same count.
    const targets = (await activeIds()).slice(0, allowed + 5);
    // As a real SSO does: the users are gone from the directory when it sends user.deleted.
    for (const id of targets) t.sso.sso.directory.remove("User", id);
    const answers = await Promise.all(targets.map((id, i) => ingest(deleteEvent(`del-${i}`, id))));
    expect(answers.every((a) => a.code === 200)).toBe(true);
    const applied = targets.filter((_, i) => answers[i]?.status === "success");
    held = targets.filter((_, i) => answers[i]?.status === "held");
    expect(applied.length).toBe(allowed - 3);
    expect(held.length).toBe(targets.length - (allowed - 3));
    expect(await users().countDocuments({ ssoUserId: { $in: held }, isActive: true })).toBe(
      held.length,
    );
    expect(await users().countDocuments({ ssoUserId: { $in: applied }, isActive: false })).toBe(
      applied.length,
    );
    expect(await events().countDocuments({ status: "held" })).toBe(held.length);
    // Everything deactivated since the first sync stays within the limit of those active then.
    expect(activeAtStart - (await activeIds()).length).toBe(allowed);
  });

  test("createIngestApp() answers duplicate to a redelivered held event and still applies nothing", async () => {
    const i = (await events().findOne({ status: "held" }))?.eventId as string;
    const again = await ingest(
      deleteEvent(i, (await events().findOne({ eventId: i }))?.resourceId as string),
    );
    expect(again).toEqual({ code: 200, status: "duplicate" });
    expect(await users().countDocuments({ ssoUserId: { $in: held }, isActive: true })).toBe(
      held.length,
    );
  });

  test("runSync() is aborted when the webhooks already used the window's limit", async () => {
    syncHeld = (await activeIds()).find((id) => !held.includes(id)) as string;
    t.sso.sso.directory.remove("User", syncHeld);
    const { history } = await rt.runSync({ type: "full" });
    expect(history.status).toBe("aborted");
    expect(history.error?.message).toContain(`${allowed} were already deactivated`);
  });

  test("loadSyncPage() lists the held deactivations (the webhooks' and the aborted run's) and the page shows them with the decision form", async () => {
    const data = await loadSyncPage({ ...page, scheduler, now: () => new Date() }, null);
    expect(data.held?.items.map((r) => r.resourceId).sort()).toEqual([...held, syncHeld].sort());
    expect(data.held?.items.every((r) => r.status === "held")).toBe(true);
    const res = await app.request("/modules/sync", {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const html = await res.text();
    expect(html).toContain("Held deactivations");
    expect(html).toContain('action="/modules/sync/held/confirm"');
    for (const id of held) expect(html).toContain(id);
  });

  test("heldSummary() names the held people for npm run sync and how to decide", async () => {
    const rows = await rt.held.held();
    const text = heldSummary(rows, rows.length);
    expect(text).toContain(`Held deactivations: ${held.length + 1}`);
    expect(text).toContain("--reject-held");
    expect(text).toContain("--apply-held");
    for (const id of held) expect(text).toContain(id);
    expect(heldSummary([], 0)).toBe("");
  });

  test("POST /api/v1/scim/sync/held refuses without the admin token and from another site, applying nothing", async () => {
    const none = await app.request("/api/v1/scim/sync/held", { method: "POST" });
    expect(none.status).toBe(401);
    const wrong = await app.request("/api/v1/scim/sync/held", {
      method: "POST",
      headers: { authorization: "Bearer nope-nope-nope-nope" },
    });
    expect(wrong.status).toBe(401);
    const cross = await app.request("/api/v1/scim/sync/held", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, origin: "https://evil.example" },
    });
    expect(cross.status).toBe(403);
    expect(await events().countDocuments({ status: "held" })).toBe(held.length);
    expect(await users().countDocuments({ ssoUserId: { $in: held }, isActive: true })).toBe(
      held.length,
    );
  });

  test("POST /api/v1/scim/sync/held with the admin token applies every held deactivation, once", async () => {
    const res = await app.request("/api/v1/scim/sync/held", {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/modules/sync?applied=${held.length + 1}`);
    expect(await users().countDocuments({ ssoUserId: { $in: held }, isActive: false })).toBe(
      held.length,
    );
    expect(await events().countDocuments({ status: "held" })).toBe(0);
    expect(
      await events().countDocuments({
        resourceId: { $in: held },
        status: "success",
        change: "deactivated",
        forced: true,
      }),
    )
      .toBe(held.length);
    const again = await app.request("/api/v1/scim/sync/held", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await again.json()).toEqual({ applied: 0, deactivated: 0, results: [] });
    const data = await loadSyncPage({ ...page, scheduler, now: () => new Date() }, null);
    expect(data.held?.total).toBe(0);
  });

  test("runSync() with --force passes after the operator's approval and a later delete is held again", async () => {
    expect((await rt.runSync({ type: "full", force: true })).history.status).toBe("success");
    const next = (await activeIds())[0] as string;
    t.sso.sso.directory.remove("User", next);
    expect(await ingest(deleteEvent("del-late", next))).toEqual({ code: 200, status: "held" });
    expect((await users().findOne({ ssoUserId: next }))?.isActive).toBe(true);
  });
});

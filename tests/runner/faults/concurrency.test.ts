// Fault suite, concurrency: two runner processes syncing on a short interval
// while the SSO streams webhooks about the same users. The webhooks' own outcomes
// are checked before any repair: every delivery stored, every event recorded with
// a final outcome. Then, once the directory is quiet and one more full sync has run,
// MongoDB equals the SSO (a sync that read a page before a webhook landed may have
// written the older value meanwhile: README, Reliability).
import { afterAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { MongoClient } from "mongodb";
import { type ReadyProcess, spawnReady } from "../../../dev/spawn-ready.ts";
import { startDevSso } from "../../../dev/sso/server.ts";
import { waitFor } from "../support/runner-process.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const URI = process.env.MONGODB_URI ?? "mongodb://127.0.0.1:27017";
const DB = `t_concurrency_${process.pid}`;
const SECRET = "concurrency-webhook-secret-0123";
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

test(
  "two runners and a stream of webhooks on the same users converge to the SSO's state",
  async () => {
    const mongo = await new MongoClient(URI).connect();
    cleanups.push(async () => {
      await mongo.db(DB).dropDatabase();
      await mongo.close();
    });
    const sso = await startDevSso({
      users: 80,
      maxResults: 20,
      webhookRetryDelayMs: 100,
      rateLimitPerMinute: 0,
    });
    cleanups.push(() => sso.stop());
    const env = {
      SSO_BASE_URL: sso.url,
      SCIM_CLIENT_ID: "scim-dev-client",
      SCIM_CLIENT_SECRET: "dev-secret-change-me",
      MONGODB_URI: URI,
      MONGODB_DB: DB,
      SCIM_WEBHOOK_SECRET: SECRET,
      PORT: "0",
      SYNC_INTERVAL: "2s",
      SYNC_JITTER: "0%",
      LEASE_TTL_MS: "2000",
      LOG_LEVEL: "error",
      SYNC_MAX_DEACTIVATE: "100%",
    };
    const runners: ReadyProcess[] = [];
    for (const id of ["conc-a", "conc-b"]) {
      const r = await spawnReady([BUN, "runner/main.ts"], { ...env, RUNNER_ID: id }, {
        name: id,
        cwd: ROOT,
        timeoutMs: 60_000,
      });
      runners.push(r);
      cleanups.push(() => r.stop());
    }
    // Half the deliveries go to each runner's own webhook route.
    sso.sso.webhooks.add({
      url: `${runners[0]?.url}/api/v1/scim/webhook`,
      secret: SECRET,
      events: ["user.updated"],
    });
    sso.sso.webhooks.add({
      url: `${runners[1]?.url}/api/v1/scim/webhook`,
      secret: SECRET,
      events: ["user.created", "user.deleted"],
    });

    const dir = sso.sso.directory;
    const history = mongo.db(DB).collection("syncHistory");
    // The stream starts while a sync is running, so the two overlap however slow the machine.
    await waitFor(
      () => history.findOne({ status: "running" }),
      30_000,
      "a sync running before the stream",
      20,
    );
    for (let i = 0; i < 60; i++) {
      const live = dir.list("User");
      const u = live[(i * 7) % live.length] as Record<string, unknown>;
      if (i % 10 === 9) dir.remove("User", String(u.id));
      else if (i % 10 === 4) {
        dir.create("User", {
          userName: `stream.${i}@ias.co.id`,
          active: true,
        });
      } else {dir.replace("User", String(u.id), {
          ...u,
          phoneNumbers: [{ value: `+62 stream ${i}` }],
        });}
      // Pacing, not ordering: spreads the stream over ~3 s so it overlaps the 2 s syncs; the
      // assertions hold for any interleaving, and the end is awaited below, not slept for.
      await Bun.sleep(50);
    }
    await sso.sso.webhooks.idle();
    const quiet = new Date();

    // The webhooks' own outcomes, before a sync after the stream can repair anything: each
    // event's last delivery to its runner was stored (2xx), and each has one record whose
    // outcome is final — applied, or stale/duplicate beside a sync or a retry — never failed.
    const last = new Map<string, { event: string; status: number | "error" }>();
    for (const d of sso.sso.webhooks.deliveries) last.set(d.id, d);
    expect(last.size).toBe(60);
    expect([...last.values()].filter((d) => d.status !== 200)).toEqual([]);
    const records = await mongo.db(DB).collection("webhookEvents").find({}).toArray();
    const outcomes = new Map(records.map((r) => [String(r.eventId), String(r.status)]));
    expect([...last.keys()].filter((id) => !outcomes.has(id))).toEqual([]);
    expect([...outcomes.values()].filter((s) => !["success", "stale", "duplicate"].includes(s)))
      .toEqual([]);
    // Both runners' routes applied events of their own kinds, not only the syncs.
    const applied = records.filter((r) => r.status === "success").map((r) => String(r.event));
    expect(applied).toContain("user.updated");
    expect(applied).toContain("user.deleted");
    expect(applied).toContain("user.created");
    // Each of the stream's 6 deletes reached its runner as an event of its own.
    expect(records.filter((r) => r.event === "user.deleted").length).toBe(6);

    // One more full sync after the directory went quiet, by whichever runner holds the lease.
    const deadline = Date.now() + 30_000;
    while (
      !(await history.findOne({
        type: "scim_full_sync",
        status: "success",
        startedAt: { $gt: quiet },
      }))
    ) {
      if (Date.now() > deadline) throw new Error("no full sync after the stream");
      await Bun.sleep(200);
    }
    const running = await history.find({ status: "running" }).toArray();
    expect(running.length).toBeLessThanOrEqual(1);
    const want = dir.list("User").map((u) => ({
      id: String(u.id),
      active: u.active !== false,
      phone: ((u.phoneNumbers as { value?: string }[] | undefined)?.[0]?.value) ?? null,
    })).sort((a, b) => a.id.localeCompare(b.id));
    const got = (await mongo.db(DB).collection("users").find({ isActive: true }).toArray())
      .map((d) => ({
        id: String(d.ssoUserId),
        active: d.isActive === true,
        phone: (d.phone as string | null) ?? null,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(got).toEqual(want.filter((w) => w.active));
  },
  90_000,
);

// A purge deletes for good, so it proves the directory first and counts only a 404 that
// carries a SCIM error body: a wrong address answering 404 pages deletes nobody; OFM's own
// accounts are never candidates; deletions take a reservation from the one gate.
import { afterEach, describe, expect, test } from "bun:test";
import { LOCAL_ONLY, seedOfm } from "../support/ofm-fixture.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const DAY = 86_400_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/**
 * 20 users synced; 13 set inactive in OFM 100 days ago: 3 truly gone from the directory,
 * 10 still in it. Plus OFM's own super admin, inactive 200 days, without ssoUserId.
 */
async function setup(name: string) {
  const t = await syncEnv(name, { users: 20, maxResults: 50 });
  cleanups.push(() => t.close());
  // OFM's own accounts and unique indexes are there before the SSO is connected.
  await seedOfm(t.mongo.db(t.dbName), t.sso.sso.directory, 0);
  const rt = await t.runtime({ SCIM_MAX_RETRIES: "0" });
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  const dir = t.sso.sso.directory;
  const all = dir.list("User").filter((u) => u.active !== false).map((u) => String(u.id));
  const marked = all.slice(0, 13);
  const gone = marked.slice(0, 3);
  for (const id of gone) dir.remove("User", id);
  const users = t.mongo.db(t.dbName).collection("users");
  await users.updateMany({ ssoUserId: { $in: marked } }, {
    $set: { isActive: false, deactivatedAt: new Date(Date.now() - 100 * DAY) },
  });
  await users.insertOne({
    email: "ofm-root@ofm.local",
    role: "super_admin",
    isActive: false,
    deactivatedAt: new Date(Date.now() - 200 * DAY),
  });
  return { t, users, gone, kept: marked.slice(3) };
}

/** A proxy in front of the SSO that answers some paths with a 404 page, as a wrong address does. */
function pageProxy(target: string, notFound: (path: string) => boolean) {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      if (notFound(url.pathname)) {
        return new Response("<html><body>404 Not Found</body></html>", {
          status: 404,
          headers: { "content-type": "text/html" },
        });
      }
      return await fetch(target + url.pathname + url.search, { headers: req.headers });
    },
  });
  cleanups.push(() => Promise.resolve(server.stop(true)));
  return `http://127.0.0.1:${server.port}`;
}

const run = { inactiveForMs: 90 * DAY, apply: true, force: false };

describe("purge proves the directory", () => {
  test("purge() against a wrong address that answers 404 pages deletes nobody and says why", async () => {
    const { t, users } = await setup("purge_wrong_url");
    const rt = await t.runtime({
      SCIM_BASE_URL: `${t.sso.url}/not-scim/v2`,
      SCIM_MAX_RETRIES: "0",
    });
    const report = await rt.purge(run);
    expect(report.status).toBe("aborted");
    expect(report.error?.code).toBe("DIRECTORY_UNPROVEN");
    expect(report.deleted).toEqual([]);
    expect(await users.countDocuments({})).toBe(21 + LOCAL_ONLY.length);
  });

  test("purge() refuses the run when a candidate's lookup answers a 404 page, not a SCIM error", async () => {
    const { t, users } = await setup("purge_html_404");
    const base = `${t.sso.url}/scim/v2`;
    // Listing and ServiceProviderConfig work; every single-user lookup is a 404 page.
    const proxy = pageProxy(t.sso.url, (p) => /\/Users\/[^/]+$/.test(p));
    const rt = await t.runtime({ SCIM_BASE_URL: `${proxy}/scim/v2`, SCIM_MAX_RETRIES: "0" });
    expect(base).toContain("/scim/v2");
    const report = await rt.purge(run);
    expect(report.status).toBe("aborted");
    expect(report.error?.code).toBe("DIRECTORY_UNPROVEN");
    expect(report.error?.message).toContain("404");
    expect(await users.countDocuments({})).toBe(21 + LOCAL_ONLY.length);
  });

  test("purge() deletes only the three the SSO says are gone, never OFM's own account", async () => {
    const { t, users, gone, kept } = await setup("purge_right");
    const rt = await t.runtime({ SCIM_MAX_RETRIES: "0", SYNC_MAX_DEACTIVATE: "100%" });
    const report = await rt.purge(run);
    expect(report.error).toBeNull();
    expect(report.status).toBe("success");
    expect(report.deleted.sort()).toEqual([...gone].sort());
    expect(report.stats.candidates).toBe(13);
    expect(report.kept.map((c) => c.email)).not.toContain("ofm-root@ofm.local");
    expect(await users.countDocuments({ ssoUserId: { $in: kept } })).toBe(10);
    expect(await users.countDocuments({ email: "ofm-root@ofm.local" })).toBe(1);
    expect(await users.countDocuments({ email: { $in: LOCAL_ONLY.map((d) => d.email) } })).toBe(2);
  });

  test("purge() takes its deletions from the gate: past SYNC_MAX_DEACTIVATE it needs --force", async () => {
    const { t, users, gone } = await setup("purge_gate");
    const rt = await t.runtime({ SCIM_MAX_RETRIES: "0", SYNC_MAX_DEACTIVATE: "1" });
    const refused = await rt.purge(run);
    expect(refused.status).toBe("aborted");
    expect(refused.error?.code).toBe("GUARD_ABORTED");
    expect(refused.deleted).toEqual([]);
    expect(await users.countDocuments({ ssoUserId: { $in: gone } })).toBe(3);
    const forced = await rt.purge({ ...run, force: true });
    expect(forced.status).toBe("success");
    expect(forced.deleted.length).toBe(3);
  });
});

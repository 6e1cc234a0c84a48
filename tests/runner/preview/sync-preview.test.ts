// The preview end to end: the development SSO, the MongoDB-wire server, the
// runtime's preview, the runner's HTTP route and `npm run sync -- --dry-run --json`.
import { afterEach, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { silentLogger } from "../../../shared/logger.ts";
import { createRunnerApp } from "../../../runner/http/app.ts";
import type { SyncPreview } from "../../../runner/preview/sync-preview.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** Every document of the database, to prove a preview wrote nothing. */
async function snapshot(t: SyncEnv) {
  const db = t.mongo.db(t.dbName);
  const out: Record<string, unknown[]> = {};
  for (const name of ["users", "orgUnits", "syncHistory", "syncChanges", "webhookEvents"]) {
    out[name] = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
  }
  return out;
}

/** A synced directory, then a change of each kind in the SSO. */
async function changedDirectory(name: string, extra: Record<string, string> = {}) {
  const t = await syncEnv(name, { users: 30, maxResults: 50 });
  cleanups.push(() => t.close());
  const rt = await t.runtime(extra);
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  const dir = t.sso.sso.directory;
  const [leaver, changed] = dir.list("User").filter((u) => u.active !== false).map((u) => u);
  dir.remove("User", String(leaver!.id));
  const { id: _i, meta: _m, ...rest } = changed!;
  dir.replace("User", String(changed!.id), {
    ...rest,
    title: "x",
    name: { givenName: "Renamed", familyName: "Person" },
  });
  dir.create("User", {
    userName: "new.hire@ias.co.id",
    name: { givenName: "New", familyName: "Hire" },
    active: true,
  });
  return { t, rt, leaver: String(leaver!.id), changed: String(changed!.id) };
}

describe("preview", () => {
  test("`preview()` writes nothing and its plan is what the following real sync does", async () => {
    const { t, rt, leaver, changed } = await changedDirectory("preview_match");
    const before = await snapshot(t);
    const p = await rt.preview();
    expect(await snapshot(t)).toEqual(before);
    expect(p.kind).toBe("sync-preview");
    expect(p.status).toBe("success");
    expect(p.wouldAbort).toBe(false);
    expect(p.users.create.count).toBe(1);
    expect(p.users.create.first[0]).toMatchObject({
      name: "New Hire",
      email: "new.hire@ias.co.id",
    });
    expect(p.users.update.first.map((e) => e.id)).toEqual([changed]);
    expect(p.users.update.first[0]!.name).not.toBeNull();
    // The fields that would change, old (as stored) → new (as the directory has them).
    const stored = await t.mongo.db(t.dbName).collection("users").findOne({ ssoUserId: changed });
    expect(p.users.update.first[0]!.changes).toEqual([
      { field: "firstName", old: stored!.firstName, new: "Renamed" },
      { field: "lastName", old: stored!.lastName, new: "Person" },
    ]);
    expect(p.users.deactivate.first.map((e) => e.id)).toEqual([leaver]);
    expect(p.guard?.users).toMatchObject({ proposed: 1, ok: true });

    const real = await rt.runSync({ type: "full" });
    const s = real.history.stats;
    expect([s.usersCreated, s.usersUpdated, s.usersDeactivated]).toEqual([
      p.users.create.count,
      p.users.update.count,
      p.users.deactivate.count,
    ]);
    expect([s.orgUnitsCreated, s.orgUnitsUpdated, s.orgUnitsDeactivated]).toEqual([
      p.orgUnits.create.count,
      p.orgUnits.update.count,
      p.orgUnits.deactivate.count,
    ]);
  }, 30_000);

  test(
    "`preview()` gives the guard's verdict and who would go when the guard would abort",
    async () => {
      const { t, rt, leaver } = await changedDirectory("preview_guard", {
        SYNC_MAX_DEACTIVATE: "0",
      });
      const before = await snapshot(t);
      const p = await rt.preview();
      expect(await snapshot(t)).toEqual(before);
      expect(p.status).toBe("aborted");
      expect(p.wouldAbort).toBe(true);
      expect(p.error?.code).toBe("GUARD_ABORTED");
      expect(p.guard?.users).toMatchObject({ proposed: 1, allowed: 0, ok: false });
      expect(p.users.deactivate.first.map((e) => e.id)).toEqual([leaver]);
    },
    30_000,
  );

  test(
    "`POST /api/v1/scim/sync/preview` answers the plan as JSON and the page's form answers it as HTML",
    async () => {
      const { t, rt, changed } = await changedDirectory("preview_http");
      const app = createRunnerApp({
        config: { host: "127.0.0.1", adminToken: null },
        sync: {
          scheduler: rt.scheduler,
          now: () => new Date(),
          logger: silentLogger,
          preview: () => rt.preview(),
          page: {
            ssoBaseUrl: t.sso.url,
            connection: () => rt.connection(),
            recentHistory: (n) => rt.history.recent(n),
            leaseHolder: async () => null,
          },
        },
        health: async () => ({ code: 200, report: {} as never }),
        metrics: { render: async () => ({ body: "", contentType: "text/plain" }) },
        logger: silentLogger,
      });
      const host = { host: "127.0.0.1" };
      const json = await app.request("http://127.0.0.1/api/v1/scim/sync/preview", {
        method: "POST",
        headers: host,
      });
      expect(json.status).toBe(200);
      const p = (await json.json()) as SyncPreview;
      expect(p.users.create.count).toBe(1);
      const page = await app.request("http://127.0.0.1/modules/sync/preview", {
        method: "POST",
        headers: { ...host, "content-type": "application/x-www-form-urlencoded" },
      });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('id="preview"');
      expect(html).toContain("New Hire");
      expect(html).toContain("The guard would let this run pass");
      expect(html).toMatch(/<li data-field="firstName">First name: [^<]* → Renamed<\/li>/);
      const id = html.match(/\/modules\/sync\/preview\/([0-9a-f-]{36})\/plan\.csv/)![1];
      const csv = await app.request(`http://127.0.0.1/modules/sync/preview/${id}/plan.csv`, {
        headers: host,
      });
      expect(csv.headers.get("content-type")).toContain("text/csv");
      const lines = (await csv.text()).trim().split("\r\n");
      expect(lines[0]).toBe("type,action,id,name,email,field,old,new,reason");
      expect(lines.some((l) => /^user,update,[^,]+,[^,]*,[^,]*,firstName,[^,]*,Renamed,$/.test(l)))
        .toBe(true);
      expect(lines.some((l) => l.startsWith("user,create,") && l.includes("new.hire@ias.co.id")))
        .toBe(true);
      const full = await app.request(`http://127.0.0.1/modules/sync/preview/${id}/plan.json`, {
        headers: host,
      });
      expect(((await full.json()) as SyncPreview).users.create.count).toBe(1);
      const main = await (await app.request("http://127.0.0.1/modules/sync", { headers: host }))
        .text();
      expect(main).toContain('action="/modules/sync/preview"');
      expect(main).toContain('id="trend-runs"');
    },
    30_000,
  );

  test(
    "`sync.ts --dry-run --json` prints the same plan shape as the preview and writes nothing",
    async () => {
      const { t, rt } = await changedDirectory("preview_cli");
      const before = await snapshot(t);
      const proc = Bun.spawn([
        resolve(ROOT, "node_modules/.bin/bun"),
        "runner/cli/sync.ts",
        "--dry-run",
        "--json",
      ], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", ...t.env },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      expect(code).toBe(0);
      const fromCli = JSON.parse(stdout) as SyncPreview;
      const direct = await rt.preview();
      const shape = (v: unknown): unknown =>
        Array.isArray(v)
          ? "array"
          : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]))
          : typeof v;
      expect(shape(fromCli)).toEqual(shape(JSON.parse(JSON.stringify(direct))));
      expect({ ...fromCli, generatedAt: 0, durationMs: 0 }).toEqual({
        ...JSON.parse(JSON.stringify(direct)),
        generatedAt: 0,
        durationMs: 0,
      });
      expect(await snapshot(t)).toEqual(before);
    },
    60_000,
  );
});

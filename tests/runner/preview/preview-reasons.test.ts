// Why each deactivation of a preview would happen: absent from the complete listing, or
// `active: false` in the SSO; someone an operator rejected is not in the list but counted as left
// for a new decision. On the JSON, the page and the CSV. Real dry run against the development SSO.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Runtime } from "../../../runner/compose.ts";
import { createRunnerApp } from "../../../runner/http/app.ts";
import type { SyncPreview } from "../../../runner/preview/sync-preview.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv;
let rt: Runtime;
let gone = "";
let off = "";
let rejected = "";

beforeAll(async () => {
  t = await syncEnv("preview_reasons", { users: 30, maxResults: 50 });
  rt = await t.runtime();
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  const dir = t.sso.sso.directory;
  [gone, off, rejected] = dir.list("User").filter((u) => u.active !== false).slice(0, 3)
    .map((u) => String(u.id)) as [string, string, string];
  dir.remove("User", gone);
  dir.remove("User", rejected);
  dir.update("User", off, (cur) => ({ ...cur, active: false }));
  await rt.held.hold(
    [{ resourceType: "User", resourceId: rejected, reason: "absent_from_listing" }],
    { kind: "sync", historyId: "earlier-run" },
    new Date(),
  );
  expect((await rt.decisions.reject({ keys: [rejected] }, "test operator")).rejected).toBe(1);
}, 60_000);
afterAll(() => t.close());

describe("the preview's reasons", () => {
  test(
    "preview() gives each deactivation its reason and counts the rejected one as left for a decision",
    async () => {
      const p = await rt.preview();
      const reasons = Object.fromEntries(p.users.deactivate.first.map((e) => [e.id, e.reason]));
      expect(reasons).toEqual({ [gone]: "absent_from_listing", [off]: "inactive_in_sso" });
      expect(p.waiting).toEqual({ users: 1, orgUnits: 0 });
      expect(p.guard?.users.proposed).toBe(2);
    },
    30_000,
  );

  test(
    "the page's preview says why beside each, and the CSV's last column carries it",
    async () => {
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
      const page = await app.request("http://127.0.0.1/modules/sync/preview", {
        method: "POST",
        headers: { ...host, "content-type": "application/x-www-form-urlencoded" },
      });
      const html = await page.text();
      const row = (id: string) => new RegExp(`<tr data-id="${id}">.*?</tr>`, "s").exec(html)?.[0];
      expect(row(gone)).toContain("Why: absent from a complete listing of the SSO");
      expect(row(off)).toContain("Why: active: false in the SSO");
      expect(html).toContain("1 rejected before");
      const id = html.match(/\/modules\/sync\/preview\/([0-9a-f-]{36})\/plan\.csv/)![1];
      const csv = await (await app.request(`http://127.0.0.1/modules/sync/preview/${id}/plan.csv`, {
        headers: host,
      })).text();
      const deactivations = csv.split("\r\n").filter((l) => l.startsWith("user,deactivate,"));
      expect(deactivations.find((l) => l.includes(gone))).toMatch(/,absent_from_listing$/);
      expect(deactivations.find((l) => l.includes(off))?.endsWith(",inactive_in_sso")).toBe(true);
      const json =
        (await (await app.request(`http://127.0.0.1/modules/sync/preview/${id}/plan.json`, {
          headers: host,
        })).json()) as SyncPreview;
      expect(json.users.deactivate.first.every((e) => e.reason !== undefined)).toBe(true);
    },
    30_000,
  );
});

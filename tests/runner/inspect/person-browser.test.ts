/**
 * The ticket "Jane's department is wrong in OFM", answered from the page
 * alone in Chromium (playwright-core): search Jane on /modules/sync, see the
 * mismatch between OFM and the directory, press "Sync now", see it fixed and
 * the change in the log. The runner's app is served in this process over the
 * development SSO and the MongoDB-wire server, so the test can change Jane's
 * department in the directory.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { chromium } from "playwright-core";
import { ENTERPRISE_URN } from "../../../dev/sso/generator.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { createRunnerApp } from "../../../runner/http/app.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const CHROMIUM = "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
// Skipped only on a developer machine without Chromium; in CI (.ci/run installs it) a missing one is a failure.
if (!HAS_CHROMIUM && process.env.CI) throw new Error(`CI needs ${CHROMIUM} for the page tests`);
const ARTIFACTS = resolve(import.meta.dir, "../../artifacts");
const TOKEN = "person-browser-admin-token";
const cleanups: (() => Promise<void> | void)[] = [];
let t: SyncEnv | undefined;

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await t?.close();
  t = undefined;
});

test.skipIf(!HAS_CHROMIUM)(
  'the person view answers "Jane\'s department is wrong in OFM": search, mismatch, Sync now, fixed and logged',
  async () => {
    t = await syncEnv("person_browser");
    const rt = await t.runtime();
    expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
    const jane = t.sso.sso.directory.list("User").find((x) =>
      x.active !== false && (x[ENTERPRISE_URN] as Record<string, unknown> | undefined)?.department
    )!;
    const email = String(jane.userName);
    const oldDept = String((jane[ENTERPRISE_URN] as Record<string, unknown>).department);
    t.sso.sso.directory.update("User", String(jane.id), (cur) => ({
      ...cur,
      [ENTERPRISE_URN]: {
        ...(cur[ENTERPRISE_URN] as Record<string, unknown>),
        department: "D-RIGHT",
      },
    }));
    const app = createRunnerApp({
      config: { host: "127.0.0.1", adminToken: TOKEN },
      sync: {
        scheduler: rt.scheduler,
        now: () => new Date(),
        logger: silentLogger,
        page: {
          ssoBaseUrl: t.sso.url,
          connection: () => rt.connection(),
          recentHistory: (n) => rt.history.recent(n),
          recentEvents: (n) => rt.events.recent(n),
          leaseHolder: async () => null,
        },
      },
      people: { inspect: rt.inspect, syncPerson: rt.syncPerson },
      health: async () => ({ code: 200, report: {} as never }),
      metrics: { render: async () => ({ body: "", contentType: "text/plain" }) },
      logger: silentLogger,
    });
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
    cleanups.push(() => server.stop(true));
    mkdirSync(ARTIFACTS, { recursive: true });
    const profile = mkdtempSync(`${tmpdir()}/scim-sync-chromium-`);
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
      httpCredentials: { username: "admin", password: TOKEN },
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();

    await page.goto(`http://127.0.0.1:${server.port}/modules/sync`);
    await page.locator('#person-search input[name="q"]').fill(email);
    await page.getByRole("button", { name: "🔎 Inspect" }).click();
    await page.locator("#verdict").waitFor();
    const row = page.locator('#fields tr[data-field="departmentId"]');
    expect(await row.getAttribute("data-equal")).toBe("false");
    expect(await row.innerText()).toContain(oldDept);
    expect(await row.innerText()).toContain("D-RIGHT");
    expect(await page.locator("#verdict li").first().getAttribute("data-cause")).toBe(
      "out_of_date",
    );
    await page.screenshot({ path: `${ARTIFACTS}/person-view-mismatch.png` });

    await page.getByRole("button", { name: "🔄 Sync now" }).click();
    await page.locator("#person-flash").waitFor();
    expect(await page.locator("#person-flash").innerText()).toContain("Synced now: updated");
    expect(await page.locator('#fields tr[data-field="departmentId"]').getAttribute("data-equal"))
      .toBe("true");
    const change = page.locator("#changes tbody tr").first();
    expect(await change.innerText()).toContain(`departmentId: ${oldDept} → D-RIGHT`);
    expect(await change.innerText()).toContain("on_demand");
    await page.screenshot({ path: `${ARTIFACTS}/person-view-fixed.png` });
  },
  90_000,
);

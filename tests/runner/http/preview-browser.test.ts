/**
 * The Preview button and the trend chart in a real browser: Debian's Chromium
 * driven by playwright-core against a real runner process and an SSO process,
 * with JavaScript off (both work without it).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { chromium } from "playwright-core";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { CHROMIUM_PATH, chromiumTool } from "../support/tools.ts";
import { type RunnerProcess, startRunner } from "../support/runner-process.ts";
import { type SsoProcess, startSso } from "../support/sso-process.ts";

const chromiumFound = chromiumTool();
const CHROMIUM = CHROMIUM_PATH;
// Skipped with its reason on a machine without Chromium; under CI, scripts/test.ts fails that skip.
const HAS_CHROMIUM = !chromiumFound.missing;
const ARTIFACTS = resolve(import.meta.dir, "../../artifacts");
const TOKEN = "preview-browser-admin-token";
const skipNote = chromiumFound.named("");

let t: TestDb;
let sso: SsoProcess;
let runner: RunnerProcess;
let profile = "";

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await openTestDb("preview_browser");
  sso = await startSso({ users: 12, delayMs: 0 });
  runner = await startRunner({
    ...sso.env,
    MONGODB_URI: t.uri,
    MONGODB_DB: t.name,
    ADMIN_TOKEN: TOKEN,
    SYNC_ON_START: "true",
    SYNC_INTERVAL: "6h",
    SCIM_RATE_LIMIT: "60000",
    RUNNER_ID: "runner-preview-browser",
  });
}, 60_000);

afterAll(async () => {
  if (!HAS_CHROMIUM) return;
  if (profile) rmSync(profile, { recursive: true, force: true });
  runner?.signal("SIGTERM");
  await runner?.exited;
  await sso?.stop();
  await t?.drop();
});

describe("preview and trend in Chromium", () => {
  test.skipIf(!HAS_CHROMIUM)(
    `"Preview" shows the plan without writing, and the trend chart shows the runs${skipNote}`,
    async () => {
      profile = mkdtempSync(`${tmpdir()}/scim-sync-chromium-`);
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        httpCredentials: { username: "admin", password: TOKEN },
        javaScriptEnabled: false,
        viewport: { width: 1280, height: 900 },
      });
      const page = await context.newPage();
      // The start-up sync: wait until its history row is finished.
      const db = t.mongo.db;
      for (let i = 0; i < 100; i++) {
        if (await db.collection("syncHistory").countDocuments({ status: "success" })) break;
        await Bun.sleep(100);
      }
      await page.goto(`${runner.url}/modules/sync`);
      const runsChart = page.locator("svg#trend-runs");
      expect(await runsChart.getAttribute("data-runs")).toBe("1");
      expect(await page.locator("svg#trend-runs title").first().textContent()).toBe(
        "Last 1 sync runs",
      );
      expect(await page.locator("svg#trend-runs rect.bar").count()).toBe(3);
      // The one run's created bar is the chart's maximum: drawn at full height (the progress
      // bar's CSS once flattened every SVG bar to 6 px).
      const created = await page.locator("svg#trend-runs rect.bar.created").boundingBox();
      expect(created?.height ?? 0).toBeGreaterThan(60);

      const historyBefore = await db.collection("syncHistory").countDocuments({});
      const usersBefore = await db.collection("users").find({}).toArray();
      await page.getByRole("button", { name: "Preview" }).click();
      await page.locator("#preview").waitFor({ timeout: 30_000 });
      expect(await page.locator("#preview h2").innerText()).toContain("nothing was written");
      expect(await page.locator("#preview-guard").innerText()).toContain(
        "The guard would let this run pass",
      );
      expect(
        await page.locator('#preview-counts tr:has(th:text("Users")) td[data-label="Create"]')
          .innerText(),
      )
        .toBe("0");
      await page.screenshot({ path: `${ARTIFACTS}/sync-page-preview.png`, fullPage: true });
      expect(await db.collection("syncHistory").countDocuments({})).toBe(historyBefore);
      expect(await db.collection("users").find({}).toArray()).toEqual(usersBefore);
      await context.close();
    },
    60_000,
  );
});

/**
 * The sync page in a real browser: Debian's Chromium driven by
 * playwright-core against a real runner process and an SSO process.
 * Screenshots land in tests/artifacts/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { freePort } from "../../../dev/mongo-server.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { CHROMIUM_PATH, chromiumTool } from "../support/tools.ts";
import { type RunnerProcess, startRunner } from "../support/runner-process.ts";
import { type SsoProcess, startSso } from "../support/sso-process.ts";

const chromiumFound = chromiumTool();
const CHROMIUM = CHROMIUM_PATH;
// Skipped with its reason on a machine without Chromium; under CI, scripts/test.ts fails that skip.
const HAS_CHROMIUM = !chromiumFound.missing;
const ARTIFACTS = resolve(import.meta.dir, "../../artifacts");
const TOKEN = "browser-test-admin-token";
const WEBHOOK_SECRET = "browser-test-webhook-secret-0123456789";
const skipNote = chromiumFound.named("");

let t: TestDb;
let sso: SsoProcess;
let runner: RunnerProcess;
const profiles: string[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await openTestDb("browser");
  const port = await freePort();
  sso = await startSso({
    users: 12,
    delayMs: 150,
    webhook: { url: `http://127.0.0.1:${port}/api/v1/scim/webhook`, secret: WEBHOOK_SECRET },
  });
  runner = await startRunner({
    PORT: String(port),
    SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...sso.env,
    MONGODB_URI: t.uri,
    MONGODB_DB: t.name,
    ADMIN_TOKEN: TOKEN,
    SYNC_ON_START: "false",
    SYNC_INTERVAL: "6h",
    SCIM_RATE_LIMIT: "60000",
    RUNNER_ID: "runner-browser",
  });
}, 60_000);

afterAll(async () => {
  if (!HAS_CHROMIUM) return;
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
  runner?.signal("SIGTERM");
  await runner?.exited;
  await sso?.stop();
  await t?.drop();
});

/** A fresh Chromium with its own new profile directory; closing the context ends it. */
async function openBrowser(
  opts: { credentials?: boolean; javaScriptEnabled?: boolean; width?: number } = {},
): Promise<BrowserContext> {
  const profile = mkdtempSync(`${tmpdir()}/scim-sync-chromium-`);
  profiles.push(profile);
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    httpCredentials: opts.credentials === false
      ? undefined
      : { username: "admin", password: TOKEN },
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
    viewport: { width: opts.width ?? 1280, height: 900 },
  });
}

const newPage = async (opts: { javaScriptEnabled?: boolean; width?: number } = {}) =>
  (await openBrowser(opts)).newPage();

describe("the sync page in Chromium", () => {
  test.skipIf(!HAS_CHROMIUM)(
    `clicking "Sync All Data" shows progress, the success alert and a new history row${skipNote}`,
    async () => {
      const page = await newPage();
      await page.goto(`${runner.url}/modules/sync`);
      await expect(page.locator("#connection").innerText()).resolves.toContain(
        "Connected to Aksara SSO",
      );
      expect(await page.locator("#history tbody tr").count()).toBe(0);

      await page.getByRole("button", { name: "Sync All Data" }).click();
      await page.locator("#progress:not([hidden])").waitFor({ timeout: 5_000 });
      await page.screenshot({ path: `${ARTIFACTS}/sync-page-progress.png` });
      const flash = page.locator("#flash.success");
      await flash.waitFor({ timeout: 30_000 });
      expect(await flash.innerText()).toContain("SCIM synchronization complete!");
      const { users, groups } = await sso.stats();
      expect(await flash.innerText()).toContain(`Users: ${users} created`);

      const rows = page.locator("#history tbody tr");
      expect(await rows.count()).toBe(1);
      const row = rows.first();
      expect(await row.getAttribute("data-status")).toBe("success");
      expect(await row.locator('td[data-label="Users c/u/=/d"]').innerText()).toBe(
        `${users}/0/0/0`,
      );
      expect(await row.locator('td[data-label="Org units c/u/=/d"]').innerText()).toBe(
        `${groups}/0/0/0`,
      );
      await page.screenshot({ path: `${ARTIFACTS}/sync-page-laptop.png`, fullPage: true });
      await page.context().close();
    },
    60_000,
  );

  test.skipIf(!HAS_CHROMIUM)(
    `the button works without JavaScript and the page refreshes to the result${skipNote}`,
    async () => {
      const page = await newPage({ javaScriptEnabled: false, width: 390 });
      await page.goto(`${runner.url}/modules/sync`);
      await page.getByRole("button", { name: "Sync All Data" }).click();
      expect(page.url()).toMatch(/\/modules\/sync\?run=[\w-]+$/);
      const flash = page.locator("#flash.success");
      await flash.waitFor({ timeout: 30_000 });
      expect(await flash.innerText()).toContain(`${(await sso.stats()).users} unchanged`);
      expect(await page.locator("#history tbody tr").count()).toBe(2);
      await page.screenshot({ path: `${ARTIFACTS}/sync-page-phone.png`, fullPage: true });
      await page.context().close();
    },
    60_000,
  );

  test.skipIf(!HAS_CHROMIUM)(
    `a change in the SSO appears in the webhook events table${skipNote}`,
    async () => {
      const page = await newPage();
      await sso.mutate({ changeUsers: 1 });
      const row = page.locator("#events tbody tr").first();
      const status = row.locator('td[data-label="Status"]');
      // The runner applies the event within moments; reload until it is no longer "processing".
      for (let i = 0; i < 50; i++) {
        await page.goto(`${runner.url}/modules/sync`);
        if ((await row.count()) > 0 && (await status.innerText()) !== "processing") break;
        await Bun.sleep(200);
      }
      expect(await row.locator('td[data-label="Event"]').innerText()).toBe("user.updated");
      expect(await row.locator('td[data-label="Status"]').innerText()).toBe("success");
      await page.screenshot({ path: `${ARTIFACTS}/sync-page-events.png`, fullPage: true });
      await page.context().close();
    },
    60_000,
  );

  test.skipIf(!HAS_CHROMIUM)(
    `the page answers 401 without the admin token${skipNote}`,
    async () => {
      const context = await openBrowser({ credentials: false });
      const page = await context.newPage();
      // A navigation would stop at the browser's login prompt; the request API shows the answer itself.
      const res = await page.request.get(`${runner.url}/modules/sync`);
      expect(res.status()).toBe(401);
      expect(res.headers()["www-authenticate"]).toContain("Basic");
      await context.close();
    },
    30_000,
  );
});

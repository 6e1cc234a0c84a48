/**
 * Test support for the page tests in a real browser: Debian's Chromium driven
 * by playwright-core (skipped with the reason printed where it is missing,
 * a failure in CI), the runner's whole HTTP app over a Runtime served on a
 * free port, axe-core's check (no serious or critical violation), keyboard
 * walks, and screenshots kept in tests/artifacts (git-ignored).
 */
import { AxeBuilder } from "@axe-core/playwright";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { silentLogger } from "../../../shared/logger.ts";
import type { Runtime } from "../../../runner/compose.ts";
import { createRunnerApp, type RunnerAppDeps } from "../../../runner/http/app.ts";
import type { PageSources } from "../../../runner/http/page-data.ts";
import { heldPanelData } from "../../../runner/http/held-routes.tsx";
import { createLastFullSync } from "../../../runner/store/last-full-sync.ts";
import { createEventTrend } from "../../../runner/store/event-trend.ts";
import { timeFormat } from "../../../runner/time-format.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM);
// Skipped only on a developer machine without Chromium; in CI (.ci/run installs it) a missing one is a failure.
if (!HAS_CHROMIUM && process.env.CI) throw new Error(`CI needs ${CHROMIUM} for the page tests`);
/** Appended to a test's name, so a skipped run says why. */
export const SKIP_NOTE = HAS_CHROMIUM ? "" : ` — SKIPPED: ${CHROMIUM} is not installed`;
if (!HAS_CHROMIUM) console.log(`page tests skipped: ${CHROMIUM} is not installed`);
export const ARTIFACTS = resolve(import.meta.dir, "../../artifacts");

/**
 * The runner's whole app over a runtime, as the daemon wires it (main.ts), served on a free port.
 *
 * @example
 * ```ts
 * const served = serveOperatorApp(rt, { adminToken: TOKEN });
 * await page.goto(`${served.url}/modules/sync`);
 * ```
 */
export function serveOperatorApp(
  rt: Runtime,
  opts: { adminToken: string; page?: Partial<PageSources>; zone?: string },
): { url: string; stop(): void } {
  const zone = timeFormat(opts.zone ?? "UTC");
  const deps: RunnerAppDeps = {
    config: { host: "127.0.0.1", adminToken: opts.adminToken },
    sync: {
      scheduler: rt.scheduler,
      now: () => new Date(),
      logger: silentLogger,
      applyHeld: () => rt.decisions.approve({ all: true }, "API"),
      preview: () => rt.preview(),
      zone,
      page: {
        ssoBaseUrl: rt.config.ssoBaseUrl,
        connection: () => rt.connection(),
        recentHistory: (n) => rt.history.recent(n),
        recentEvents: (n) => rt.events.recent(n),
        heldPage: () => heldPanelData(rt.held.page),
        eventsSince: (since) => createEventTrend(rt.mongo.db).since(since),
        leaseHolder: async () => null,
        lastFullSync: () => createLastFullSync(rt.mongo.db).read(),
        ...opts.page,
      },
    },
    held: { page: rt.held.page, held: rt.held.held, decisions: rt.decisions, zone },
    people: {
      inspect: rt.inspect,
      syncPerson: rt.syncPerson,
      syncOrgUnit: rt.syncOrgUnit,
      findPeople: rt.findPeople,
      zone,
    },
    health: async () => ({ code: 200, report: {} as never }),
    metrics: { render: async () => ({ body: "", contentType: "text/plain" }) },
    logger: silentLogger,
  };
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: createRunnerApp(deps).fetch });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

/**
 * Chromium with the admin token as Basic credentials, in a throw-away profile.
 *
 * @example
 * ```ts
 * const { context, close } = await openBrowser(TOKEN);
 * ```
 */
export async function openBrowser(
  token: string,
): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(`${tmpdir()}/scim-sync-chromium-`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    httpCredentials: { username: "admin", password: token },
    viewport: { width: 1200, height: 900 },
  });
  const page = await context.newPage();
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * axe-core's serious and critical violations on the page (WCAG 2.1 A and AA rules), as lines.
 *
 * @example
 * ```ts
 * expect(await a11yViolations(page)).toEqual([]);
 * ```
 */
export async function a11yViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
    .analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) =>
      `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`
    );
}

/**
 * Presses Tab until the focused element matches `selector`; whether it got there.
 *
 * @example
 * ```ts
 * expect(await tabTo(page, "#person-q")).toBe(true);
 * ```
 */
export async function tabTo(page: Page, selector: string, maxTabs = 80): Promise<boolean> {
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) {
      return true;
    }
  }
  return false;
}

/**
 * Every link, button and field a person can use on the page that Tab never reaches
 * (descriptions; empty when all are reachable).
 *
 * @example
 * ```ts
 * expect(await unreachableByKeyboard(page)).toEqual([]);
 * ```
 */
export async function unreachableByKeyboard(page: Page): Promise<string[]> {
  const all = await page.evaluate(() => {
    const els = [...document.querySelectorAll("a[href], button, input, select, textarea, summary")];
    return els.filter((e) =>
      (e as HTMLElement).offsetParent !== null && !(e as HTMLButtonElement).disabled
    )
      .map((e, i) => {
        e.setAttribute("data-kbd", String(i));
        return `${e.tagName.toLowerCase()} "${(e.textContent ?? "").trim().slice(0, 40)}"`;
      });
  });
  const seen = new Set<string>();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < all.length + 10; i++) {
    await page.keyboard.press("Tab");
    const k = await page.evaluate(() => document.activeElement?.getAttribute("data-kbd") ?? null);
    if (k !== null) seen.add(k);
  }
  return all.filter((_, i) => !seen.has(String(i)));
}

/**
 * A full-page screenshot kept as a test artifact.
 *
 * @example
 * ```ts
 * await shot(page, "person-in-step");
 * ```
 */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

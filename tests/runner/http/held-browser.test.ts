/**
 * The mass deletion from the page alone, in Chromium (playwright-core) against the runner's whole
 * app over a real runtime, the development SSO and the MongoDB-wire server: 100 people leave the
 * SSO, "Sync All Data" is refused by the gate and says where to decide; the held panel lists them
 * 50 a page with names, reasons and sources; 3 are approved by name, 2 rejected, the rest applied
 * after the confirmation that states the number. Asserted on what a person sees and on MongoDB,
 * with axe-core over the panel, its confirmation and its outcome; screenshots in tests/artifacts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import type { Runtime } from "../../../runner/compose.ts";
import {
  a11yViolations,
  HAS_CHROMIUM,
  openBrowser,
  serveOperatorApp,
  shot,
  SKIP_NOTE,
  unreachableByKeyboard,
} from "../support/browser.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const TOKEN = "held-browser-admin-token";

let t: SyncEnv;
let rt: Runtime;
let served: { url: string; stop(): void };
let browser: Awaited<ReturnType<typeof openBrowser>>;
let page: Page;
let removed: string[] = [];
/** Held people whose full names are unique among the removed, by name. */
let byName = new Map<string, string>();

const db = () => t.mongo.db(t.dbName);
const active = (ids: readonly string[]) =>
  db().collection("users").countDocuments({ ssoUserId: { $in: [...ids] }, isActive: true });
const heldStatus = async (id: string) =>
  (await db().collection("heldDeactivations").findOne({ resourceId: id }))?.status;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  t = await syncEnv("held_browser", { users: 130, maxResults: 100 });
  rt = await t.runtime({ SYNC_MAX_DEACTIVATE: "20", SCIM_RATE_LIMIT: "60000" });
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  const leaving = t.sso.sso.directory.list("User").filter((u) => u.active !== false).slice(0, 100);
  removed = leaving.map((u) => String(u.id));
  const names = leaving.map((u) => {
    const n = u.name as { givenName: string; familyName: string };
    return [`${n.givenName} ${n.familyName}`, String(u.id)] as const;
  });
  const count = new Map<string, number>();
  for (const [n] of names) count.set(n, (count.get(n) ?? 0) + 1);
  byName = new Map(names.filter(([n]) => count.get(n) === 1));
  for (const id of removed) t.sso.sso.directory.remove("User", id);
  served = serveOperatorApp(rt, { adminToken: TOKEN });
  browser = await openBrowser(TOKEN);
  page = browser.page;
}, 90_000);

afterAll(async () => {
  if (!HAS_CHROMIUM) return;
  await browser?.close();
  served?.stop();
  await t?.close();
});

/** The 5 people the test decides on by name: 3 approved, 2 rejected. */
const chosen = () => [...byName.keys()].slice(0, 5);

describe("held deactivations in Chromium, from the page alone", () => {
  test.skipIf(!HAS_CHROMIUM)(
    `"Sync All Data" is refused by the gate, names where to decide, and the panel lists the 100 people 50 a page${SKIP_NOTE}`,
    async () => {
      await page.goto(`${served.url}/modules/sync`);
      await page.getByRole("button", { name: "Sync All Data" }).click();
      const flash = page.locator("#flash.error");
      await flash.waitFor({ timeout: 30_000 });
      expect(await flash.innerText()).toContain("Sync aborted.");
      expect(await flash.innerText()).toContain(
        "approve them under Held deactivations on the sync page",
      );
      await page.goto(`${served.url}/modules/sync`);
      const panel = page.locator("#held");
      expect(await panel.locator("h2").innerText()).toContain("Held deactivations (100)");
      expect(await panel.locator("#held-table tbody tr").count()).toBe(50);
      expect(await panel.locator(".pages").first().innerText()).toContain("1–50 of 100");
      const first = panel.locator("#held-table tbody tr").first();
      expect(await first.locator('td[data-label="Reason"]').innerText()).toContain(
        "absent from a complete listing of the SSO",
      );
      const since = first.locator('td[data-label="Held since"]');
      expect(await since.innerText()).toMatch(/by sync run [0-9a-f]{8}…$/);
      const aborted = (await db().collection("syncHistory").findOne({ status: "aborted" }))!;
      expect(await since.locator(".source").getAttribute("data-source")).toBe(
        `sync:${aborted._id.toHexString()}`,
      );
      expect(await first.locator('td[data-label="Email"]').innerText()).toContain("@ias.co.id");
      expect(await a11yViolations(page)).toEqual([]);
      await shot(page, "held-panel-sync-page");
      await page.getByRole("link", { name: "Next 50 →" }).first().click();
      expect(page.url()).toEndWith("/modules/sync/held?page=2");
      expect(await page.locator("#held-table tbody tr").count()).toBe(50);
      expect(await page.locator("script").count()).toBe(0);
      expect(await unreachableByKeyboard(page)).toEqual([]);
      expect(await a11yViolations(page)).toEqual([]);
      await shot(page, "held-panel-page-2");
    },
    90_000,
  );

  test.skipIf(!HAS_CHROMIUM)(
    `a held person's name opens the person view, which says they are held${SKIP_NOTE}`,
    async () => {
      const name = chosen()[0]!;
      await page.goto(`${served.url}/modules/sync/held`);
      await page.getByRole("link", { name, exact: true }).click();
      await page.waitForURL(/\/modules\/sync\/people\//);
      expect(await page.locator("body").innerText()).toContain(
        "Their deactivation is held by the gate (absent from a complete listing of the SSO)",
      );
    },
    60_000,
  );

  test.skipIf(!HAS_CHROMIUM)(
    `3 approved by name after a confirmation that names them and states 3${SKIP_NOTE}`,
    async () => {
      const three = chosen().slice(0, 3);
      await page.goto(`${served.url}/modules/sync/held`);
      for (const name of three) {
        await page.getByRole("checkbox", { name: `Select ${name}` }).check();
      }
      await page.getByRole("button", { name: "Approve selected" }).click();
      const confirm = page.locator("#held-confirm");
      expect(await confirm.locator("h2").innerText()).toContain("Approve 3 held deactivations?");
      for (const name of three) expect(await confirm.innerText()).toContain(name);
      // Nothing is decided before the confirmation.
      expect(await active(three.map((n) => byName.get(n)!))).toBe(3);
      expect(await a11yViolations(page)).toEqual([]);
      await shot(page, "held-confirm-3");
      await page.getByRole("button", { name: "Yes, approve 3" }).click();
      const outcome = page.locator("#flash");
      await outcome.waitFor();
      expect(await outcome.innerText()).toContain("3 deactivated.");
      expect(await page.locator("#held h2").innerText()).toContain("Held deactivations (97)");
      for (const name of three) {
        expect(await page.getByRole("checkbox", { name: `Select ${name}` }).count()).toBe(0);
      }
      const ids = three.map((n) => byName.get(n)!);
      expect(await active(ids)).toBe(0);
      for (const id of ids) expect(await heldStatus(id)).toBe("applied");
    },
    60_000,
  );

  test.skipIf(!HAS_CHROMIUM)(
    `2 rejected, one by its row's button and one by selection, each confirmed${SKIP_NOTE}`,
    async () => {
      const [one, other] = chosen().slice(3, 5) as [string, string];
      await page.goto(`${served.url}/modules/sync/held`);
      await page.getByRole("button", { name: `Reject ${one}` }).click();
      expect(await page.locator("#held-confirm h2").innerText()).toContain(
        "Reject 1 held deactivation?",
      );
      await page.getByRole("button", { name: "Yes, reject 1" }).click();
      await page.locator("#flash").waitFor();
      expect(await page.locator("#flash").innerText()).toContain("1 rejected: kept active.");
      await page.getByRole("checkbox", { name: `Select ${other}` }).check();
      await page.getByRole("button", { name: "Reject selected" }).click();
      await page.getByRole("button", { name: "Yes, reject 1" }).click();
      await page.locator("#flash").waitFor();
      expect(await page.locator("#held h2").innerText()).toContain("Held deactivations (95)");
      const ids = [one, other].map((n) => byName.get(n)!);
      expect(await active(ids)).toBe(2);
      for (const id of ids) expect(await heldStatus(id)).toBe("rejected");
    },
    60_000,
  );

  test.skipIf(!HAS_CHROMIUM)(
    `"Approve all 95" applies the rest after a confirmation stating 95; the gate counts none of it${SKIP_NOTE}`,
    async () => {
      const before = await rt.gate.figures("users");
      await page.goto(`${served.url}/modules/sync`);
      await page.getByRole("button", { name: "Approve all 95" }).click();
      expect(await page.locator("#held-confirm h2").innerText()).toContain(
        "Approve all 95 held deactivations?",
      );
      expect(await page.locator("#confirm-names").innerText()).toContain("and 45 more");
      expect(await active(removed)).toBe(97);
      await shot(page, "held-confirm-all");
      await page.getByRole("button", { name: "Yes, approve 95" }).click();
      await page.locator("#flash").waitFor({ timeout: 60_000 });
      expect(await page.locator("#flash").innerText()).toContain("95 deactivated.");
      expect(await page.locator("#held").innerText()).toContain("Nobody is held.");
      expect(await a11yViolations(page)).toEqual([]);
      await shot(page, "held-after-all");
      expect(await active(removed)).toBe(2);
      expect(await db().collection("heldDeactivations").countDocuments({ status: "applied" }))
        .toBe(98);
      const after = await rt.gate.figures("users");
      expect(after.counted).toBe(before.counted);
      expect(after.remaining).toBe(before.remaining);
      // The sync page shows no held panel any more.
      await page.goto(`${served.url}/modules/sync`);
      expect(await page.locator("#held").count()).toBe(0);
    },
    90_000,
  );
});

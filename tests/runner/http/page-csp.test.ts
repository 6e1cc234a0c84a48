/**
 * The page's CSP allowed `'unsafe-inline'` scripts (issue 9, item 10): now its
 * one script is allowed by hash. browser.test.ts proves in Chromium that the
 * script still runs (progress, polling) under this policy.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { silentLogger } from "../../../shared/logger.ts";
import { PAGE_CSP, PAGE_SCRIPT } from "../../../runner/http/page-assets.ts";
import { createSyncRoutes } from "../../../runner/http/sync-routes.tsx";
import type { Scheduler } from "../../../runner/scheduler/types.ts";

describe("the sync page's Content-Security-Policy", () => {
  test("GET /modules/sync allows its script by SHA-256 hash and no inline script otherwise", async () => {
    const app = createSyncRoutes({
      scheduler: {
        current: null,
        lastJob: null,
        nextRunAt: null,
        nextRunType: null,
      } as unknown as Pick<
        Scheduler,
        "trigger" | "current" | "lastJob" | "nextRunAt" | "nextRunType"
      >,
      now: () => new Date(),
      logger: silentLogger,
      page: {
        ssoBaseUrl: "http://localhost:5173",
        connection: async () => ({ ok: false, error: "down" }),
        recentHistory: async () => [],
        leaseHolder: async () => null,
      },
    });
    const res = await app.request("/modules/sync");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toBe(PAGE_CSP);
    const scriptSrc = /script-src ([^;]+)/.exec(csp)?.[1] ?? "";
    expect(scriptSrc).not.toContain("unsafe-inline");
    const hash = createHash("sha256").update(PAGE_SCRIPT, "utf8").digest("base64");
    expect(scriptSrc.trim()).toBe(`'sha256-${hash}'`);
    // The hash covers the exact text served between the tags.
    const html = await res.text();
    const served = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(createHash("sha256").update(served ?? "", "utf8").digest("base64")).toBe(hash);
  });
});

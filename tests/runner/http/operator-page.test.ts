/**
 * The pages' answers without a browser (`app.request()`): the failure pages
 * (MongoDB or the SSO down → HTML saying what and what to check; the JSON API
 * keeps JSON), the header's last full sync beside the last run, a status this
 * version does not know, the page's time zone, and the person routes' search.
 */
import { describe, expect, test } from "bun:test";
import { ConnectionFailedError } from "../../../shared/errors.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { loadConfig } from "../../../runner/config.ts";
import { createRunnerApp } from "../../../runner/http/app.ts";
import type { PageSources } from "../../../runner/http/page-data.ts";
import { timeFormat } from "../../../runner/time-format.ts";
import { StoreUnavailableError } from "../../../runner/store/driver-errors.ts";

const NOW = new Date("2025-10-18T12:00:00Z");
const row = (over: Record<string, unknown>) => ({
  _id: String(Math.random()),
  type: "scim_delta_sync",
  status: "success",
  startedAt: new Date("2025-10-18T11:00:00Z"),
  completedAt: new Date("2025-10-18T11:00:05Z"),
  durationMs: 5_000,
  stats: { usersCreated: 2_000, usersUpdated: 4, errors: [] },
  ...over,
});

function app(page: Partial<Omit<PageSources, "scheduler" | "now">> = {}, zone = "UTC") {
  return createRunnerApp({
    config: { host: "127.0.0.1", adminToken: null },
    sync: {
      scheduler: {
        current: null,
        lastJob: null,
        nextRunAt: null,
        nextRunType: null,
        trigger: async () => ({ ok: false, reason: "busy" }),
      } as never,
      now: () => NOW,
      logger: silentLogger,
      zone: timeFormat(zone),
      page: {
        ssoBaseUrl: "http://sso.test",
        connection: async () => ({ ok: false, error: "no answer" }),
        recentHistory: async () => [],
        leaseHolder: async () => null,
        ...page,
      },
    },
    people: {
      inspect: () => Promise.reject(new ConnectionFailedError("http://sso.test", "refused")),
      syncPerson: () => Promise.reject(new Error("unused")),
      findPeople: () => Promise.reject(new StoreUnavailableError("mongodb://x", "refused")),
    },
    health: async () => ({ code: 200, report: {} as never }),
    metrics: { render: async () => ({ body: "", contentType: "text/plain" }) },
    logger: silentLogger,
  });
}
const get = (a: ReturnType<typeof app>, path: string) =>
  a.request(`http://127.0.0.1${path}`, { headers: { host: "127.0.0.1" } });

describe("failure pages", () => {
  test("with MongoDB down the sync page is an HTML page saying so and what to check; the JSON API keeps JSON", async () => {
    const down = app({
      recentHistory: () => Promise.reject(new StoreUnavailableError("mongodb://x", "refused")),
    });
    const res = await get(down, "/modules/sync");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('data-outage="mongodb"');
    expect(html).toContain("MongoDB is not answering");
    expect(html).toContain("MONGODB_URI");
    const api = await get(down, "/api/v1/scim/people?q=jan");
    expect(api.status).toBe(503);
    expect(await api.json()).toEqual({ error: "MongoDB unavailable" });
  });

  test("with the SSO down the person view is an HTML page naming the SSO and its checklist; the JSON API keeps JSON", async () => {
    const a = app();
    const res = await get(a, "/modules/sync/people/jane%40ias.co.id");
    expect(res.status).toBe(502);
    const html = await res.text();
    expect(html).toContain('data-outage="sso"');
    expect(html).toContain("Aksara SSO is not answering");
    expect(html).toContain("SCIM_CLIENT_ID");
    const api = await get(a, "/api/v1/scim/people/jane%40ias.co.id");
    expect(api.status).toBe(502);
    expect(await api.json()).toEqual({ error: "SSO unavailable" });
  });
});

describe("the sync page", () => {
  test("the header shows the last full sync's state beside the last run, times in the operator's zone", async () => {
    const a = app({
      recentHistory: async () => [row({})],
      lastFullSync: async () =>
        row({
          type: "scim_full_sync",
          status: "aborted",
          startedAt: new Date("2025-10-18T05:00:00Z"),
        }),
    }, "Asia/Jakarta");
    const html = await (await get(a, "/modules/sync")).text();
    expect(html).toMatch(
      /id="last-run-state" data-status="success">Last run: .*delta .*2025-10-18 18:00:00 GMT\+7/,
    );
    expect(html).toMatch(
      /id="last-full-state" data-status="aborted">Last full sync: .*aborted.*2025-10-18 12:00:00 GMT\+7/,
    );
    expect(html).toContain("times in Asia/Jakarta");
    expect(html).toContain("<b>2,000</b>");
  });

  test("a status this version does not know (a newer runner's `partial`) is shown as it is, not an error", async () => {
    const a = app({
      recentHistory: async () => [row({ status: "partial", type: "scim_full_sync" })],
    });
    const res = await get(a, "/modules/sync");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<span class="badge b-partial">partial</span>');
    const b = app({ recentHistory: async () => [row({ status: "weird-new" })] });
    expect(await (await get(b, "/modules/sync")).text()).toContain(
      '<span class="badge b-other">weird-new</span>',
    );
  });

  test("no status mark is an emoji: the page's marks are inline SVG beside words", async () => {
    const html = await (await get(
      app({ recentHistory: async () => [row({ status: "failed" })] }),
      "/modules/sync",
    )).text();
    expect(html).not.toMatch(/[\u{1F300}-\u{1FAFF}\u2705\u274C\u26A0\u26D4]/u);
    expect(html).toContain('class="mark m-sync"');
  });
});

describe("PAGE_TIME_ZONE", () => {
  test("PAGE_TIME_ZONE defaults to UTC and refuses a zone the runtime does not know, naming the variable", () => {
    const base = { SCIM_CLIENT_ID: "id", SCIM_CLIENT_SECRET: "secret" };
    expect(loadConfig(base).pageTimeZone).toBe("UTC");
    expect(loadConfig({ ...base, PAGE_TIME_ZONE: "Asia/Jakarta" }).pageTimeZone).toBe(
      "Asia/Jakarta",
    );
    expect(() => loadConfig({ ...base, PAGE_TIME_ZONE: "Mars/Olympus" })).toThrow("PAGE_TIME_ZONE");
  });
  test("timeFormat() prints one format with the zone named", () => {
    const d = new Date("2025-10-18T12:00:00Z");
    expect(timeFormat("UTC").format(d)).toBe("2025-10-18 12:00:00 UTC");
    expect(timeFormat("Asia/Jakarta").format(d)).toBe("2025-10-18 19:00:00 GMT+7");
  });
});

/**
 * DNS rebinding (issue 9, item 7): a runner on loopback without ADMIN_TOKEN
 * answered any Host, so a rebound attacker page could start syncs and read
 * the status JSON. Now only loopback names on the runner's own port pass.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { silentLogger } from "../../../shared/logger.ts";
import { createRunnerApp } from "../../../runner/http/app.ts";
import { isLoopbackAuthority } from "../../../runner/http/host-check.ts";
import type { Job, Scheduler } from "../../../runner/scheduler/types.ts";
import { rawRequest } from "../support/raw-http.ts";

describe("isLoopbackAuthority()", () => {
  const cases: Array<[string, number | null, boolean]> = [
    ["localhost:5174", 5174, true],
    ["LOCALHOST:5174", 5174, true],
    ["127.0.0.1:5174", 5174, true],
    ["[::1]:5174", 5174, true],
    ["127.0.0.1:5175", 5174, false],
    ["localhost", 5174, false],
    ["localhost", 80, true],
    ["rebind.attacker.example:5174", 5174, false],
    ["localhost.attacker.example:5174", 5174, false],
    ["127.0.0.2:5174", 5174, false],
    ["user@localhost:5174", 5174, false],
    ["localhost:5174/x", 5174, false],
    ["0.0.0.0:5174", 5174, false],
    ["", 5174, false],
    ["rebind.attacker.example", null, false],
    ["localhost:1", null, true],
  ];
  for (const [host, port, ok] of cases) {
    test(`isLoopbackAuthority() says ${ok} when Host is "${host}" and the port is ${port}`, () => {
      expect(isLoopbackAuthority(host, port)).toBe(ok);
    });
  }
});

/** A runner app whose scheduler counts triggers; `port` is what the server listens on. */
function setup(port: () => number | null, adminToken: string | null = null, mounts: Hono[] = []) {
  let triggers = 0;
  const scheduler = {
    current: null,
    lastJob: null,
    nextRunAt: null,
    nextRunType: null,
    trigger: async () => {
      triggers++;
      return { ok: false as const, reason: "busy" as const };
    },
  } as unknown as
    & Pick<Scheduler, "trigger" | "current" | "lastJob" | "nextRunAt" | "nextRunType">
    & { job?: Job };
  const app = createRunnerApp({
    config: { host: "127.0.0.1", adminToken },
    listenPort: port,
    sync: {
      scheduler,
      now: () => new Date(),
      logger: silentLogger,
      page: {
        ssoBaseUrl: "http://localhost:5173",
        connection: async () => ({ ok: false, error: "not needed" }),
        recentHistory: async () => [],
        leaseHolder: async () => null,
      },
    },
    health: async () => ({
      code: 200,
      report: {
        status: "ok",
        mongo: { ok: true },
        sso: { ok: true },
        lastSync: null,
        lastFullSync: null,
        lastSuccessAgeSeconds: null,
        heldDeletions: 0,
        quarantine: null,
        problems: [],
      },
    }),
    metrics: { render: async () => ({ body: "", contentType: "text/plain" }) },
    logger: silentLogger,
    mounts,
  });
  return { app, triggers: () => triggers };
}

describe("createRunnerApp() host check without ADMIN_TOKEN", () => {
  test("createRunnerApp() refuses a rebound Host and Origin with 403 and starts no sync", async () => {
    const { app, triggers } = setup(() => 5174);
    const rebound = {
      Host: "rebind.attacker.example:5174",
      Origin: "http://rebind.attacker.example:5174",
    };
    const post = await app.request("http://rebind.attacker.example:5174/api/v1/scim/sync", {
      method: "POST",
      headers: rebound,
    });
    const status = await app.request(
      "http://rebind.attacker.example:5174/api/v1/scim/sync/status",
      { headers: rebound },
    );
    const page = await app.request("http://rebind.attacker.example:5174/modules/sync", {
      headers: rebound,
    });
    expect([post.status, status.status, page.status]).toEqual([403, 403, 403]);
    expect(await status.text()).not.toContain("nextRunAt");
    expect(triggers()).toBe(0);
  });

  test("createRunnerApp() refuses loopback on another port, and a POST whose Origin is foreign", async () => {
    const { app, triggers } = setup(() => 5174);
    const otherPort = await app.request("http://127.0.0.1:5175/api/v1/scim/sync/status", {
      headers: { Host: "127.0.0.1:5175" },
    });
    const foreignOrigin = await app.request("http://localhost:5174/api/v1/scim/sync", {
      method: "POST",
      headers: { Host: "localhost:5174", Origin: "http://rebind.attacker.example:5174" },
    });
    expect([otherPort.status, foreignOrigin.status]).toEqual([403, 403]);
    expect(triggers()).toBe(0);
  });

  test("createRunnerApp() answers localhost, 127.0.0.1 and [::1] on its own port", async () => {
    const { app, triggers } = setup(() => 5174);
    for (const host of ["localhost:5174", "127.0.0.1:5174", "[::1]:5174"]) {
      const res = await app.request(`http://${host}/api/v1/scim/sync`, {
        method: "POST",
        headers: { Host: host, Origin: `http://${host}` },
      });
      expect(res.status).toBe(409); // reached the scheduler, which said "busy"
    }
    expect(triggers()).toBe(3);
  });

  test("createRunnerApp() leaves the host to ADMIN_TOKEN when one is set", async () => {
    const { app } = setup(() => 5174, "0123456789abcdef-admin");
    const res = await app.request("http://ofm.example.com/api/v1/scim/sync/status", {
      headers: { Host: "ofm.example.com", Authorization: "Bearer 0123456789abcdef-admin" },
    });
    expect(res.status).toBe(200);
  });
});

describe("createRunnerApp() host check on a real server", () => {
  let server: ReturnType<typeof Bun.serve>;
  let port: number | null = null;
  let counted: ReturnType<typeof setup>;
  beforeAll(() => {
    counted = setup(() => port);
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: counted.app.fetch });
    port = server.port ?? null;
  });
  afterAll(() => server.stop(true));

  test("createRunnerApp() on Bun.serve answers 403 to Host and Origin rebind.attacker.example:PORT", async () => {
    const authority = `rebind.attacker.example:${port}`;
    const post = await rawRequest(port!, [
      "POST /api/v1/scim/sync HTTP/1.1",
      `Host: ${authority}`,
      `Origin: http://${authority}`,
      "Content-Length: 0",
    ]);
    const status = await rawRequest(port!, [
      "GET /api/v1/scim/sync/status HTTP/1.1",
      `Host: ${authority}`,
    ]);
    expect(post).toStartWith("HTTP/1.1 403");
    expect(status).toStartWith("HTTP/1.1 403");
    expect(status).not.toContain("nextRunAt");
    expect(counted.triggers()).toBe(0);
  });

  test("createRunnerApp() on Bun.serve answers the same request sent to 127.0.0.1:PORT", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/scim/sync/status`);
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty("nextRunAt");
  });
});

describe("createRunnerApp() host check and the signed routes", () => {
  test("createRunnerApp() lets a foreign Host reach the signed ingestion route, which then checks its HMAC", async () => {
    const ingest = new Hono().post(
      "/api/v1/scim/events",
      (c) => c.json({ error: "Invalid webhook signature" }, 401),
    );
    const { app } = setup(() => 5174, null, [ingest]);
    const res = await app.request("http://ofm.example.com/api/v1/scim/events", {
      method: "POST",
      headers: { Host: "ofm.example.com" },
    });
    expect(res.status).toBe(401);
    const status = await app.request("http://ofm.example.com/api/v1/scim/sync/status", {
      headers: { Host: "ofm.example.com" },
    });
    expect(status.status).toBe(403);
  });
});

// WEBHOOK_ALLOWED_IPS on real servers: a Deno edge process (the peer from
// Deno.serve's connection info) and a Bun runner process (the peer from
// server.requestIP), each reached over loopback, so the peer is 127.0.0.1.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { freePort } from "../../../dev/mongo-server.ts";
import { type EdgeProcess, startEdge } from "../support/edge-process.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { type RunnerProcess, startRunner } from "../support/runner-process.ts";

const WEBHOOK_SECRET = "allowlist-webhook-secret-0123456789";
let edge: EdgeProcess;
let runner: RunnerProcess;
let t: TestDb;

beforeAll(async () => {
  t = await openTestDb("allowlist_e2e");
  const closed = await freePort();
  edge = await startEdge({
    PORT: String(await freePort()),
    SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    INGEST_SECRET: "allowlist-ingest-secret-0123456789",
    OFM_INGEST_URL: `http://127.0.0.1:${closed}/api/v1/scim/events`,
    WEBHOOK_ALLOWED_IPS: "203.0.113.0/24, 127.0.0.1",
    LOG_LEVEL: "warn",
  });
  runner = await startRunner({
    MONGODB_URI: t.uri,
    MONGODB_DB: t.name,
    SSO_BASE_URL: `http://127.0.0.1:${closed}`,
    SCIM_CLIENT_ID: "allowlist-client",
    SCIM_CLIENT_SECRET: "allowlist-client-secret",
    SYNC_ON_START: "false",
    SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // Loopback is the "load balancer": only its X-Forwarded-For can make a client allowed.
    WEBHOOK_ALLOWED_IPS: "203.0.113.0/24",
    TRUSTED_PROXIES: "127.0.0.0/8",
  }, 60_000);
}, 120_000);

afterAll(async () => {
  edge?.proc.kill();
  runner?.signal("SIGTERM");
  await Promise.all([edge?.proc.exited, runner?.exited]);
  await t?.drop();
});

const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/v1/scim/webhook`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-SCIM-Signature": "sha256=00", ...headers },
    body: "{}",
  });

describe("edge/main.ts with WEBHOOK_ALLOWED_IPS", () => {
  test("edge/main.ts lets an allowed peer reach the signature check (401) when Deno reports it", async () => {
    const res = await post(edge.url);
    expect(res.status).toBe(401);
  });

  test(
    "edge/main.ts answers 403 when the peer is not allowed, whatever X-Forwarded-For claims",
    async () => {
      const edgeOnly = await startEdge({
        PORT: String(await freePort()),
        SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
        INGEST_SECRET: "allowlist-ingest-secret-0123456789",
        WEBHOOK_ALLOWED_IPS: "203.0.113.0/24",
      });
      try {
        const res = await post(edgeOnly.url, { "X-Forwarded-For": "203.0.113.9" });
        expect(res.status).toBe(403);
        expect(await res.json()).toEqual({ error: "Source address not allowed" });
        expect(edgeOnly.lines.join("\n")).toContain("source not allowed");
      } finally {
        edgeOnly.proc.kill();
        await edgeOnly.proc.exited;
      }
    },
    90_000,
  );
});

describe("runner/main.ts with WEBHOOK_ALLOWED_IPS behind a trusted proxy", () => {
  test("the runner's webhook route answers 403 when the trusted proxy forwards no client address", async () => {
    expect((await post(runner.url)).status).toBe(403);
  });

  test("the runner's webhook route answers 403 when the client spoofs an allowed address in front of its real one", async () => {
    const res = await post(runner.url, { "X-Forwarded-For": "203.0.113.9, 198.51.100.4" });
    expect(res.status).toBe(403);
  });

  test("the runner's webhook route honours the trusted proxy's X-Forwarded-For for an allowed client", async () => {
    const res = await post(runner.url, { "X-Forwarded-For": "198.51.100.4, 203.0.113.9" });
    expect(res.status).toBe(401);
  });
});

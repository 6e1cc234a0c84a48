import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { contractFiles } from "../../../scripts/openapi.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { documentedRoutes, servedRoutes } from "../../../shared/openapi.ts";
import { loadConfig } from "../../../runner/config.ts";
import { createRunnerApp, type RunnerAppDeps } from "../../../runner/http/app.ts";
import { webhookMounts } from "../../../runner/http/mounts.ts";
import { runnerOpenApiDocument } from "../../../runner/http/openapi.ts";
import { createMetrics } from "../../../runner/metrics.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const ADMIN_TOKEN = "admin-token-0123456789abcdef";

/**
 * The daemon's app with every optional part on, as runner/main.ts builds it: the person
 * and org-unit routes, the preview, held approval, the ingestion API and the direct webhook route (both
 * secrets set). A route any of them serves that the document lacks fails the first test.
 */
function fullApp() {
  const config = loadConfig({
    SSO_BASE_URL: "http://127.0.0.1:5173",
    SCIM_CLIENT_ID: "client",
    SCIM_CLIENT_SECRET: "client-secret-0123456789",
    SCIM_WEBHOOK_SECRET: "webhook-secret-0123456789abcdef",
    INGEST_SECRET: "ingest-secret-0123456789abcdef",
    ADMIN_TOKEN,
  });
  // Only the routes are looked at (and /openapi.json, which touches none of these).
  const unused = () => Promise.reject(new Error("not used by these tests"));
  const sync = {
    scheduler: {
      trigger: unused,
      current: null,
      lastJob: null,
      nextRunAt: null,
      nextRunType: null,
    },
    now: () => new Date(),
    logger: silentLogger,
    applyHeld: unused,
    preview: unused,
    page: {
      ssoBaseUrl: config.ssoBaseUrl,
      connection: unused,
      recentHistory: unused,
      recentEvents: unused,
      leaseHolder: unused,
    },
  } as unknown as RunnerAppDeps["sync"];
  return createRunnerApp({
    config,
    logger: silentLogger,
    metrics: createMetrics(),
    health: unused,
    sync,
    held: { page: unused, held: unused, decisions: { approve: unused, reject: unused } },
    people: { inspect: unused, syncPerson: unused, syncOrgUnit: unused },
    mounts: webhookMounts({ events: { apply: unused }, config, logger: silentLogger }),
  });
}

describe("runnerOpenApiDocument()", () => {
  test("runnerOpenApiDocument() describes exactly the routes the runner's app registers", () => {
    expect(documentedRoutes(runnerOpenApiDocument())).toEqual(servedRoutes(fullApp().routes));
  });

  test("fullApp() mounts every optional part, so the route comparison covers them", () => {
    const served = servedRoutes(fullApp().routes);
    for (
      const route of [
        "GET /api/v1/scim/people/:key",
        "POST /api/v1/scim/people/:key/sync",
        "POST /api/v1/scim/org-units/:key/sync",
        "GET /modules/sync/people/:key",
        "POST /api/v1/scim/sync/preview",
        "POST /api/v1/scim/sync/held",
        "GET /api/v1/scim/held",
        "POST /api/v1/scim/held/apply",
        "POST /api/v1/scim/held/reject",
        "GET /modules/sync/held",
        "POST /modules/sync/held/confirm",
        "POST /modules/sync/held/decide",
        "POST /api/v1/scim/events",
        "POST /api/v1/scim/webhook",
      ]
    ) expect(served).toContain(route);
  });

  test("runnerOpenApiDocument() writes a Hono `:key` path as `{key}` with a path parameter", () => {
    const doc = runnerOpenApiDocument() as unknown as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const op = doc.paths["/api/v1/scim/people/{key}"]?.get;
    expect(op?.parameters?.find((p) => p.in === "path")?.name).toBe("key");
    expect(doc.paths["/api/v1/scim/people/:key"]).toBeUndefined();
  });

  test("runnerOpenApiDocument() and the edge's document validate as OpenAPI 3.1", async () => {
    for (const file of contractFiles()) {
      const validator = new Validator();
      const result = await validator.validate(JSON.parse(file.text));
      expect({ file: file.path, errors: result.errors }).toEqual({
        file: file.path,
        errors: undefined,
      });
      expect(result.valid).toBe(true);
      expect(validator.version).toBe("3.1");
    }
  });

  test("contractFiles() equal the committed docs/ files (run `bun scripts/openapi.ts` when not)", () => {
    for (const file of contractFiles()) {
      expect(readFileSync(join(ROOT, file.path), "utf8")).toBe(file.text);
    }
  });

  test("GET /openapi.json answers 401 without ADMIN_TOKEN and the document with it", async () => {
    const app = fullApp();
    expect((await app.request("/openapi.json")).status).toBe(401);
    const res = await app.request("/openapi.json", {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(runnerOpenApiDocument())));
  });
});

// Found by schemathesis (scripts/fuzz.ts): requests breaking the documented schema were accepted.
describe("createRunnerApp() refuses what its document refuses", () => {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  test("GET /modules/sync answers 400 when a query parameter is not one the page sets", async () => {
    const res = await fullApp().request("/modules/sync?run=", { headers: auth });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Query is not one the sync page sets" });
  });

  test("GET /modules/sync answers 400 when applied is empty or not a count, and the page when it is", async () => {
    for (const bad of ["", "-1", "1.5", "x", "99999999"]) {
      const res = await fullApp().request(`/modules/sync?applied=${bad}`, { headers: auth });
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    const ok = await fullApp().request("/modules/sync?applied=3", { headers: auth });
    expect(ok.status).not.toBe(400);
  });

  test("POST /modules/sync answers 400, starting nothing, when type is neither full nor delta", async () => {
    const res = await fullApp().request("/modules/sync", {
      method: "POST",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
      body: "type=bogus",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });
});

// Keys in paths checked before routing (runner/http/raw-target.ts). The URL
// parser behind `request.url` resolves `.`/`..` in any spelling, so
// `POST /api/v1/scim/people/%2E%2E/sync` would reach Hono as
// `POST /api/v1/scim/sync` — a full sync. Raw HTTP/1.1 over a socket, since
// fetch() normalises the path itself before sending.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { silentLogger } from "../../../shared/logger.ts";
import { createPersonRoutes } from "../../../runner/http/person-routes.tsx";
import { KEYED_PATHS, rawTargetRoutes } from "../../../runner/http/raw-target.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { rawRequest } from "../support/raw-http.ts";
import { type RunnerProcess, startRunner } from "../support/runner-process.ts";
import { type SsoProcess, startSso } from "../support/sso-process.ts";

const statusOf = (answer: string) => Number(answer.slice(9, 12));
const post = (port: number, target: string) =>
  rawRequest(port, [`POST ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Content-Length: 0"]);
const get = (port: number, target: string) =>
  rawRequest(port, [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`]);

describe("rawTargetRoutes() in Bun.serve", () => {
  let server: Server<unknown>;
  /** The normalised paths the app was called with. */
  const reached: string[] = [];
  beforeAll(() => {
    const app = (req: Request) => {
      reached.push(new URL(req.url).pathname);
      return new Response("app");
    };
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      routes: rawTargetRoutes(app),
      fetch: app,
    });
  });
  afterAll(() => server.stop(true));

  const refused = [
    "/api/v1/scim/people/%2E%2E/sync",
    "/api/v1/scim/people/../sync",
    "/api/v1/scim/people/.%2e/sync",
    "/api/v1/scim/people/%2e/sync",
    "/api/v1/scim/people/./sync",
    "/api/v1/scim/people//sync",
    "/api/v1/scim/people/a/../../sync",
    "/api/v1/scim/people/..\\sync/sync",
    "/api/v1/scim/people/%2E%2E",
    "/api/v1/scim/org-units/%2E%2E/sync",
    "/api/v1/scim/org-units/..",
    "/modules/sync/people/%2E%2E/sync",
    "/modules/sync/people/./sync",
  ];
  for (const target of refused) {
    test(`a request for ${target} is refused with 400 before the app routes it`, async () => {
      const before = reached.length;
      const answer = await post(server.port!, target);
      expect(statusOf(answer)).toBe(400);
      expect(answer).toContain("The key in the path is not a key");
      expect(reached.length).toBe(before);
    });
  }

  const passed: [string, string][] = [
    [
      "/api/v1/scim/people/jane.doe%40ias.co.id/sync",
      "/api/v1/scim/people/jane.doe%40ias.co.id/sync",
    ],
    ["/api/v1/scim/people/a%20b", "/api/v1/scim/people/a%20b"],
    ["/api/v1/scim/people/u-1..2/sync", "/api/v1/scim/people/u-1..2/sync"],
    ["/api/v1/scim/org-units/Finance%20Team/sync", "/api/v1/scim/org-units/Finance%20Team/sync"],
    ["/modules/sync/people?q=jane", "/modules/sync/people"],
    ["/api/v1/scim/sync", "/api/v1/scim/sync"],
  ];
  for (const [target, path] of passed) {
    test(`a request for ${target} reaches the app unchanged`, async () => {
      const answer = await post(server.port!, target);
      expect(statusOf(answer)).toBe(200);
      expect(reached.at(-1)).toBe(path);
    });
  }

  test("KEYED_PATHS covers every route of the person routes that has a :key", () => {
    const stub = () => Promise.reject(new Error("not called"));
    const app = createPersonRoutes({
      inspect: stub,
      syncPerson: stub,
      syncOrgUnit: stub,
      logger: silentLogger,
    });
    const keyed = [...new Set(app.routes.map((r) => r.path).filter((p) => p.includes(":key")))];
    const covered = KEYED_PATHS.flatMap((k) => k.suffixes.map((s) => `${k.prefix}/:key${s}`));
    expect(keyed.length).toBeGreaterThan(0);
    for (const path of keyed) expect(covered).toContain(path);
  });
});

describe("the runner process", () => {
  let t: TestDb;
  let sso: SsoProcess;
  let runner: RunnerProcess;
  beforeAll(async () => {
    t = await openTestDb("raw_target");
    sso = await startSso({ users: 5, delayMs: 0 });
    runner = await startRunner({
      ...sso.env,
      MONGODB_URI: t.uri,
      MONGODB_DB: t.name,
      SYNC_ON_START: "false",
      SYNC_INTERVAL: "6h",
    });
  }, 60_000);
  afterAll(async () => {
    runner?.signal("SIGTERM");
    await runner?.exited;
    await sso?.stop();
    await t?.drop();
  });

  test("`POST /api/v1/scim/people/%2E%2E/sync` answers 400 and starts no sync", async () => {
    const port = Number(new URL(runner.url).port);
    const answer = await post(port, "/api/v1/scim/people/%2E%2E/sync");
    expect(statusOf(answer)).toBe(400);
    const status = await get(port, "/api/v1/scim/sync/status");
    expect(statusOf(status)).toBe(200);
    expect(JSON.parse(status.slice(status.indexOf("\r\n\r\n") + 4))).toMatchObject({
      job: null,
      running: false,
    });
    expect(await t.mongo.db.collection("syncHistory").countDocuments()).toBe(0);
  });

  test("`POST /api/v1/scim/org-units/%2E%2E/sync` and `…/people//sync` answer 400 too", async () => {
    const port = Number(new URL(runner.url).port);
    for (const target of ["/api/v1/scim/org-units/%2E%2E/sync", "/api/v1/scim/people//sync"]) {
      expect(statusOf(await post(port, target))).toBe(400);
    }
    expect(await t.mongo.db.collection("syncHistory").countDocuments()).toBe(0);
  });
});

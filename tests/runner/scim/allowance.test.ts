// Syncs against the development SSO's request allowance (the guide's rate, 100 requests a
// minute, here as 10 in any 6 s so that it bites within seconds): the requests each kind of sync makes
// are the protocol's minimum, pacing at the allowance draws no 429, and a 429's Retry-After
// holds the client for as long as it says. Real SSO on a socket, real MongoDB-wire server.
import { afterEach, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { silentLogger } from "../../../shared/logger.ts";
import { loadConfig } from "../../../runner/config.ts";
import { createRuntime, type Runtime } from "../../../runner/compose.ts";
import { createDevSso } from "../../../dev/sso/app.ts";
import { MONGODB_URI, type SyncEnv, syncEnv } from "../support/sync-env.ts";

const PAGE = 20;
const WINDOW_MS = 6_000;
/** 10 requests in any 6 s: the guide's 100 a minute, what the client is told (SCIM_RATE_LIMIT). */
const ALLOWED = 10;
const PER_MINUTE = String((ALLOWED * 60_000) / WINDOW_MS);

let t: SyncEnv | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const ceil = (n: number) => Math.ceil(n / PAGE);
/** Requests the SSO received, by route. */
const received = (stats: Record<string, unknown>) => stats.requests as Record<string, number>;
const scimRequests = (stats: Record<string, unknown>) =>
  Object.entries(received(stats)).filter(([k]) =>
    k.startsWith("GET /scim/v2/") && !k.includes("token")
  )
    .reduce((n, [, v]) => n + v, 0);

describe("a sync under the SSO's allowance", () => {
  test(
    "a full sync makes ceil(users/page) + ceil(groups/page) + at most 3 requests and a delta ceil(changed/page) + at most 3, none refused",
    async () => {
      t = await syncEnv("allowance_counts", {
        users: 300,
        orgUnits: 30,
        maxResults: PAGE,
        rateLimitPerMinute: ALLOWED,
        rateLimitWindowMs: WINDOW_MS,
      });
      const runtime = await t.runtime({ SCIM_RATE_LIMIT: PER_MINUTE });
      const since = new Date();
      const full = await runtime.runSync({ type: "full" });
      expect(full.history.status).toBe("success");
      expect(full.history.stats.usersFetched).toBe(300);
      const fullMin = ceil(300) + ceil(30);
      expect(full.requests).toBeGreaterThanOrEqual(fullMin + 1);
      expect(full.requests).toBeLessThanOrEqual(fullMin + 3);
      // What the client counted is what the SSO received.
      expect(scimRequests(t.sso.sso.stats())).toBe(full.requests);

      t.sso.sso.mutate({ changeUsers: 30, seed: 3 });
      // What changed, as the SSO's own clock says (a move to the same department changes nobody).
      const changedSince = (type: "User" | "Group") =>
        t!.sso.sso.directory.list(type).filter((r) =>
          Date.parse(r.meta.lastModified) > since.getTime()
        )
          .length;
      const [users, groups] = [changedSince("User"), changedSince("Group")];
      expect(users).toBeGreaterThan(PAGE);
      const delta = await runtime.runSync({ type: "delta", since });
      expect(delta.history.status).toBe("success");
      expect(delta.history.stats.usersFetched).toBe(users);
      expect(delta.history.stats.orgUnitsFetched).toBe(groups);
      expect(delta.requests).toBeGreaterThanOrEqual(ceil(users) + 1);
      expect(delta.requests).toBeLessThanOrEqual(ceil(users) + ceil(groups) + 3);
      expect(scimRequests(t.sso.sso.stats())).toBe(full.requests + delta.requests);
      // Paced at the allowance: more requests than one window holds, and not one refused.
      expect(full.requests + delta.requests).toBeGreaterThan(2 * ALLOWED);
      expect(t.sso.sso.stats().rateLimited).toBe(0);
    },
    120_000,
  );
});

describe("a 429 from the SSO", () => {
  let runtime: Runtime | undefined;
  let server: ReturnType<typeof Bun.serve> | undefined;
  const dbName = `t_allowance_retry_${process.pid}`;
  afterEach(async () => {
    await runtime?.close();
    server?.stop(true);
    const mongo = await new MongoClient(MONGODB_URI).connect();
    await mongo.db(dbName).dropDatabase().catch(() => {});
    await mongo.close();
  });

  test(
    "an unpaced client waits the Retry-After the SSO names, for every request, and the sync completes",
    async () => {
      const sso = createDevSso({
        users: 100,
        orgUnits: 10,
        maxResults: PAGE,
        rateLimitPerMinute: 4,
        rateLimitWindowMs: 2_000,
      });
      const answers: { at: number; status: number; retryAfter: number }[] = [];
      server = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        async fetch(req) {
          const res = await sso.app.fetch(req);
          if (new URL(req.url).pathname !== "/scim/v2/token") {
            answers.push({
              at: Date.now(),
              status: res.status,
              retryAfter: Number(res.headers.get("retry-after") ?? 0),
            });
          }
          return res;
        },
      });
      runtime = await createRuntime(
        loadConfig({
          SSO_BASE_URL: `http://127.0.0.1:${server.port}`,
          SCIM_CLIENT_ID: "scim-dev-client",
          SCIM_CLIENT_SECRET: "dev-secret-change-me",
          MONGODB_URI,
          MONGODB_DB: dbName,
          // As good as no pacing: the SSO's 429s alone slow it down.
          SCIM_RATE_LIMIT: "100000",
          SCIM_MAX_RETRIES: "3",
        }),
        silentLogger,
      );
      const { history, requests } = await runtime.runSync({ type: "full" });
      expect(history.status).toBe("success");
      expect(history.stats.usersFetched).toBe(100);
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(requests).toBe(answers.length);
      for (const r of refused) {
        expect(r.retryAfter).toBeGreaterThanOrEqual(1);
        // The next request of any kind (the prefetched page too) waited the whole pause.
        const next = answers.find((a) => a.at > r.at);
        expect(next).toBeDefined();
        expect(next!.at - r.at).toBeGreaterThanOrEqual(r.retryAfter * 1000 - 2);
      }
    },
    60_000,
  );

  test(
    "an SSO that asks to wait longer than two minutes fails the run at once, naming its Retry-After",
    async () => {
      const sso = createDevSso({ users: 10, rateLimitPerMinute: 0 });
      let refused = 0;
      server = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch(req) {
          if (new URL(req.url).pathname === "/scim/v2/token") return sso.app.fetch(req);
          refused++;
          return Response.json(
            {
              schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
              status: "429",
              detail: "quota",
            },
            { status: 429, headers: { "Retry-After": "3600" } },
          );
        },
      });
      runtime = await createRuntime(
        loadConfig({
          SSO_BASE_URL: `http://127.0.0.1:${server.port}`,
          SCIM_CLIENT_ID: "scim-dev-client",
          SCIM_CLIENT_SECRET: "dev-secret-change-me",
          MONGODB_URI,
          MONGODB_DB: dbName,
          SCIM_RATE_LIMIT: "100000",
        }),
        silentLogger,
      );
      const started = Date.now();
      const { history } = await runtime.runSync({ type: "full" });
      expect(history.status).toBe("failed");
      expect(history.error?.message).toContain("asks to wait 3600 s (Retry-After)");
      expect(history.error?.message).toContain("quota");
      expect(refused).toBe(1);
      // Failed at once, not after the hour nor after retries.
      expect(Date.now() - started).toBeLessThan(10_000);
    },
    30_000,
  );
});

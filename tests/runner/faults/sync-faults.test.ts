// The fault suite: faults injected into real processes and servers; each test
// checks that nothing is lost, nobody is wrongly deactivated, and the history
// tells the truth.
import { afterEach, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { type MongoServer, startMongoServer } from "../../../dev/mongo-server.ts";
import { createWebhookApp } from "../../../shared/webhook/app.ts";
import { WebhookStored } from "../../../shared/webhook/answers.ts";
import { createHttpForwarder } from "../../../shared/webhook/forwarder.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { loadConfig } from "../../../runner/config.ts";
import { createIngestApp } from "../../../runner/ingest/ingest-app.ts";
import { createRuntime } from "../../../runner/compose.ts";
import { createEventApplier } from "../../../runner/ingest/apply-event.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { startDevSso } from "../../../dev/sso/server.ts";
import { signScimBody } from "../../../shared/signature.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";
import { waitFor } from "../support/runner-process.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

const activeIds = (t: SyncEnv) =>
  t.sso.sso.directory.list("User").filter((u) => u.active !== false).map((u) => String(u.id))
    .sort();
async function mongoActiveIds(t: SyncEnv) {
  const docs = await t.mongo.db(t.dbName).collection("users").find({ isActive: true }, {
    projection: { ssoUserId: 1 },
  }).toArray();
  return docs.map((d) => String(d.ssoUserId)).sort();
}

describe("fault suite: the SSO", () => {
  for (const kind of ["status", "delay", "cut"] as const) {
    for (const page of [1, 3, 5]) {
      test(
        `a ${kind} fault on users page ${page} fails the run without deactivating anyone, and the next run converges`,
        async () => {
          const t = await syncEnv(`sso_${kind}_${page}`, { users: 60, maxResults: 10 });
          cleanups.push(() => t.close());
          const rt = await t.runtime({ SCIM_MAX_RETRIES: "0", SCIM_TIMEOUT_MS: "300" });
          await rt.runSync({ type: "full" });
          // One real departure the faulty run must not act on, and the next must.
          const leaver = String(
            t.sso.sso.directory.list("User").find((u) => u.active !== false)?.id,
          );
          t.sso.sso.directory.remove("User", leaver);
          t.sso.sso.faults.add({ kind, resource: "Users", page, times: 1, status: 500, ms: 1000 });
          const faulty = await rt.runSync({ type: "full" });
          expect(faulty.history.status).toBe("failed");
          expect(faulty.history.stats.usersDeactivated).toBe(0);
          expect(
            await t.mongo.db(t.dbName).collection("users").countDocuments({
              isActive: false,
              ssoUserId: leaver,
            }),
          ).toBe(0);
          const next = await rt.runSync({ type: "full" });
          expect(next.history.status).toBe("success");
          expect(await mongoActiveIds(t)).toEqual(activeIds(t));
        },
        30_000,
      );
    }
  }
});

describe("fault suite: MongoDB", () => {
  test(
    "the MongoDB-wire server killed mid-sync fails the run with a clear message; after a restart the next run converges",
    async () => {
      const server: MongoServer = await startMongoServer({ forceEmbedded: true });
      cleanups.push(() => server.stop());
      const sso = await startDevSso({ users: 300, maxResults: 20, rateLimitPerMinute: 0 });
      cleanups.push(() => sso.stop());
      const env = {
        SSO_BASE_URL: sso.url,
        SCIM_CLIENT_ID: "scim-dev-client",
        SCIM_CLIENT_SECRET: "dev-secret-change-me",
        MONGODB_URI: server.uri,
        MONGODB_DB: "faults_kill",
        SCIM_MAX_RETRIES: "0",
        SCIM_RATE_LIMIT: "100000",
      };
      const rt = await createRuntime(loadConfig(env), silentLogger);
      cleanups.push(() => rt.close());
      sso.sso.faults.add({ kind: "delay", resource: "Users", page: 4, times: 1, ms: 1500 });
      const running = rt.runSync({ type: "full" });
      // Kill while the SSO holds page 4 back: the delay fault fires as that request arrives,
      // so pages 1–3 are written and the run is mid-way, however slow the machine.
      await waitFor(
        () => sso.sso.faults.history.some((f) => f.kind === "delay"),
        30_000,
        "page 4 requested",
        5,
      );
      server.kill();
      const result = await running;
      expect(result.history.status).toBe("failed");
      expect(result.history.error?.code).toBe("STORE_UNAVAILABLE");
      expect(result.history.stats.usersDeactivated).toBe(0);
      await server.restart();
      const rt2 = await createRuntime(loadConfig(env), silentLogger);
      cleanups.push(() => rt2.close());
      const next = await rt2.runSync({ type: "full" });
      expect(next.history.status).toBe("success");
      const client = await new MongoClient(server.uri).connect();
      cleanups.push(() => client.close());
      const expected = sso.sso.directory.list("User").filter((u) => u.active !== false).length;
      expect(await client.db("faults_kill").collection("users").countDocuments({ isActive: true }))
        .toBe(expected);
    },
    60_000,
  );
});

describe("fault suite: webhooks", () => {
  test(
    "the ingestion API down while the SSO sends 100 events: after it returns and the SSO retries, all 100 are applied exactly once",
    async () => {
      const WEBHOOK = "fault-webhook-secret-0123456789";
      const INGEST = "fault-ingest-secret-0123456789";
      // Retries enough for every event to outlast the down phase, which ends only after all 100 failed once.
      const t = await syncEnv("ingest_down", { users: 100, maxResults: 50, webhookMaxRetries: 20 });
      cleanups.push(() => t.close());
      const rt = await t.runtime();
      await rt.runSync({ type: "full" });
      const store = createEventApplier(createWebhookStores(t.mongo.db(t.dbName)));
      await store.ensureIndexes();
      const ingest = createIngestApp({ secrets: [INGEST], store });
      let up = false;
      const ingestServer = Bun.serve({
        port: 0,
        fetch: (req) => (up ? ingest.fetch(req) : new Response("down", { status: 503 })),
      });
      cleanups.push(async () => ingestServer.stop(true));
      const edge = createWebhookApp({
        secrets: [WEBHOOK],
        forward: createHttpForwarder({
          url: `http://127.0.0.1:${ingestServer.port}/api/v1/scim/events`,
          secret: INGEST,
          deadlineMs: 150,
        }),
      });
      const edgeServer = Bun.serve({ port: 0, fetch: edge.fetch });
      cleanups.push(async () => edgeServer.stop(true));
      t.sso.sso.webhooks.add({
        url: `http://127.0.0.1:${edgeServer.port}/api/v1/scim/webhook`,
        secret: WEBHOOK,
      });
      const users = t.sso.sso.directory.list("User").slice(0, 100);
      users.forEach((u, i) =>
        t.sso.sso.directory.replace("User", String(u.id), {
          ...u,
          phoneNumbers: [{ value: `+62 down ${i}` }],
        })
      );
      // Up again only once every event has failed a first delivery through the edge.
      const refused = () =>
        new Set(t.sso.sso.webhooks.deliveries.filter((d) => d.status === 503).map((d) => d.id))
          .size;
      await waitFor(() => refused() >= 100, 30_000, "100 refused first deliveries", 20);
      up = true;
      await t.sso.sso.webhooks.idle();
      const col = t.mongo.db(t.dbName).collection("users");
      for (let i = 0; i < 100; i++) {
        expect((await col.findOne({ ssoUserId: String(users[i]?.id) }))?.phone).toBe(
          `+62 down ${i}`,
        );
      }
      const events = t.mongo.db(t.dbName).collection("webhookEvents");
      const ids = (await events.find({ status: "success" }).toArray()).map((e) => e.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeGreaterThanOrEqual(100);
    },
    60_000,
  );

  test(
    "100 events delivered twice in shuffled order leave each resource in its last state",
    async () => {
      const SECRET = "shuffle-secret-0123456789abcdef";
      const t = await syncEnv("shuffle", { users: 1 });
      cleanups.push(() => t.close());
      const store = createEventApplier(createWebhookStores(t.mongo.db(t.dbName)));
      await store.ensureIndexes();
      const ingest = createIngestApp({ secrets: [SECRET], store });
      const edge = createWebhookApp({
        secrets: ["edge-secret-0123456789abc"],
        forward: async (e) => {
          const body = JSON.stringify(e);
          const res = await ingest.request("/api/v1/scim/events", {
            method: "POST",
            body,
            headers: {
              "content-type": "application/json",
              "x-scim-signature": await signScimBody(SECRET, body),
            },
          });
          return res.ok
            ? { ok: true, status: WebhookStored.parse(await res.json()).status }
            : { ok: false, reason: String(res.status) };
        },
      });
      // 10 users × 10 versions each; lastModified orders the versions.
      const bodies: string[] = [];
      for (let u = 0; u < 10; u++) {
        for (let v = 0; v < 10; v++) {
          bodies.push(JSON.stringify({
            id: `evt-${u}-${v}`,
            event: v === 0 ? "user.created" : "user.updated",
            resourceType: "User",
            resourceId: `user-${u}`,
            timestamp: new Date().toISOString(),
            data: {
              id: `user-${u}`,
              userName: `u${u}@ias.co.id`,
              active: true,
              phoneNumbers: [{ value: `v${v}` }],
              meta: { lastModified: new Date(Date.UTC(2025, 0, 1, 0, v)).toISOString() },
            },
          }));
        }
      }
      const deliveries = [...bodies, ...bodies];
      let seed = 7;
      for (let i = deliveries.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const j = seed % (i + 1);
        [deliveries[i], deliveries[j]] = [deliveries[j] as string, deliveries[i] as string];
      }
      for (const body of deliveries) {
        const res = await edge.request("/api/v1/scim/webhook", {
          method: "POST",
          body,
          headers: {
            "content-type": "application/json",
            "x-scim-signature": await signScimBody("edge-secret-0123456789abc", body),
          },
        });
        expect(res.status).toBe(200);
      }
      const col = t.mongo.db(t.dbName).collection("users");
      for (let u = 0; u < 10; u++) {
        expect((await col.findOne({ ssoUserId: `user-${u}` }))?.phone)
          .toBe("v9");
      }
      expect(await t.mongo.db(t.dbName).collection("webhookEvents").countDocuments()).toBe(100);
    },
    60_000,
  );
});

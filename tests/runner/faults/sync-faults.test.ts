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
import { createChangeLogStore } from "../../../runner/store/change-log-store.ts";
import { startDevSso } from "../../../dev/sso/server.ts";
import { signScimBody } from "../../../shared/signature.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";
import { waitFor } from "../support/runner-process.ts";
import { launcherTool } from "../support/tools.ts";

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

/** FerretDB keeps its data on disk across a restart; mongo-java-server (the default) does not. */
const ferret = launcherTool("ferretdb");

describe("fault suite: MongoDB", () => {
  test.skipIf(ferret.missing)(
    ferret.named(
      "the MongoDB-wire server killed mid-sync fails the run with a clear message; after a restart with its data the next run converges",
    ),
    async () => {
      // A server that keeps its data: FerretDB on its own data dir, killed and started again
      // as a process on the same port and directory (dev/mongo-server.ts restart()).
      const server: MongoServer = await startMongoServer({ forceEmbedded: true, kind: "ferretdb" });
      cleanups.push(() => server.stop());
      expect(server.keepsData).toBe(true);
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
      const before = await rt.runSync({ type: "full" });
      expect(before.history.status).toBe("success");
      expect(before.history.stats.usersCreated).toBe(300);

      // The directory moves on: one leaves, two join, three change.
      const dir = sso.sso.directory;
      const people = dir.list("User").filter((u) => u.active !== false);
      const leaver = String(people[0]?.id);
      dir.remove("User", leaver);
      for (const n of [1, 2]) {
        dir.create("User", { userName: `joiner.${n}@ias.co.id`, active: true });
      }
      for (const u of people.slice(1, 4)) {
        dir.replace("User", String(u.id), { ...u, phoneNumbers: [{ value: `+62 after ${u.id}` }] });
      }

      sso.sso.faults.add({ kind: "delay", resource: "Users", page: 4, times: 1, ms: 1500 });
      const running = rt.runSync({ type: "full" });
      // Kill while the SSO holds page 4 back: the delay fault fires as that request arrives,
      // so the run is mid-way, however slow the machine.
      await waitFor(
        () => sso.sso.faults.history.some((f) => f.kind === "delay"),
        30_000,
        "page 4 requested",
        5,
      );
      server.kill();
      const result = await running;
      // Whole objects, so that a failure shows the run's error message and counts.
      expect({ status: result.history.status, error: result.history.error }).toMatchObject({
        status: "failed",
        error: { code: "STORE_UNAVAILABLE" },
      });
      expect(result.history.stats.usersDeactivated).toBe(0);

      await server.restart();
      const client = await new MongoClient(server.uri).connect();
      cleanups.push(() => client.close());
      const db = client.db("faults_kill");
      // The data of the run before the kill is there again: the restart kept it.
      expect(await db.collection("users").countDocuments({})).toBeGreaterThanOrEqual(300);
      expect(await db.collection("syncHistory").countDocuments({ status: "success" })).toBe(1);

      const rt2 = await createRuntime(loadConfig(env), silentLogger);
      cleanups.push(() => rt2.close());
      const next = await rt2.runSync({ type: "full" });
      // Converges from what was kept, not from an empty database: only the changes are written.
      expect({ status: next.history.status, error: next.history.error, ...next.history.stats })
        .toMatchObject({ status: "success", usersCreated: 2, usersDeactivated: 1 });
      expect(next.history.stats.usersUpdated).toBeLessThanOrEqual(3);
      expect(await db.collection("users").findOne({ ssoUserId: leaver })).toMatchObject({
        isActive: false,
      });
      const expected = dir.list("User").filter((u) => u.active !== false).map((u) => String(u.id))
        .sort();
      const active = await db.collection("users").find({ isActive: true }).toArray();
      expect(active.map((d) => String(d.ssoUserId)).sort()).toEqual(expected);
      for (const u of people.slice(1, 4)) {
        expect((await db.collection("users").findOne({ ssoUserId: String(u.id) }))?.phone).toBe(
          `+62 after ${u.id}`,
        );
      }
    },
    120_000,
  );
});

describe("fault suite: webhooks", () => {
  test(
    "the ingestion API down while the SSO sends 100 events: after it returns and the SSO retries, each of the 100 is applied exactly once",
    async () => {
      const WEBHOOK = "fault-webhook-secret-0123456789";
      const INGEST = "fault-ingest-secret-0123456789";
      // Retries enough for every event to outlast the down phase, which ends only after all 100 failed once.
      const t = await syncEnv("ingest_down", { users: 100, maxResults: 50, webhookMaxRetries: 20 });
      cleanups.push(() => t.close());
      const rt = await t.runtime();
      await rt.runSync({ type: "full" });
      // With the change log, as the runner wires it: one record per change, by its source.
      const db = t.mongo.db(t.dbName);
      const store = createEventApplier(createWebhookStores(db), {
        changes: createChangeLogStore(db, { ttlDays: 30 }),
      });
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
      // Each event came twice or more (refused while down, then stored) and was applied once:
      // one webhook-sourced change per user, one record per event, that record a success.
      const deliveries = new Map<string, number>();
      for (const d of t.sso.sso.webhooks.deliveries) {
        deliveries.set(d.id, (deliveries.get(d.id) ?? 0) + 1);
      }
      expect(deliveries.size).toBe(100);
      expect([...deliveries.values()].filter((n) => n < 2)).toEqual([]);
      const changes = await t.mongo.db(t.dbName).collection("syncChanges").find({
        "source.kind": "webhook",
      }).toArray();
      const perUser = new Map<string, number>();
      for (const c of changes) perUser.set(c.resourceId, (perUser.get(c.resourceId) ?? 0) + 1);
      expect(perUser.size).toBe(100);
      expect([...perUser.values()].filter((n) => n !== 1)).toEqual([]);
      expect(changes.every((c) => c.action === "updated" && c.fields.includes("phone"))).toBe(true);
      const events = await t.mongo.db(t.dbName).collection("webhookEvents").find({}).toArray();
      expect(events.length).toBe(100);
      expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(deliveries.keys()));
      expect(events.filter((e) => e.status !== "success")).toEqual([]);
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

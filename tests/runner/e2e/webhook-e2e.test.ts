// End to end with real processes, as a new user would try it: a change made
// in the development SSO posts a signed webhook to a real Deno edge, which
// forwards to a real Bun runner, which writes MongoDB. Then the guide's curl
// (401), a hand-signed user.updated (applied before the edge answers, one
// success record) and the same delivery again (duplicate). No wall-clock
// bounds: the runner syncs only hourly here, so a change seen in MongoDB
// within the polls' generous limits can only have come by webhook; the
// README's "within a second" is a figure measured by the bench, not a test.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { resolve } from "node:path";
import { freePort } from "../../../dev/mongo-server.ts";
import { type ReadyProcess, spawnReady } from "../../../dev/spawn-ready.ts";
import { type EdgeProcess, startEdge } from "../support/edge-process.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { createEventStore } from "../../../runner/store/event-store.ts";
import { EVENT_ABANDONED } from "../../../runner/store/collections.ts";
import { type RunnerProcess, startRunner, waitFor } from "../support/runner-process.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const DENO = resolve(ROOT, "node_modules/.bin/deno");
const WEBHOOK_SECRET = "e2e-webhook-secret-0123456789";
const INGEST_SECRET = "e2e-ingest-secret-0123456789";
let t: TestDb;
let sso: ReadyProcess;
let runner: RunnerProcess;
let edge: EdgeProcess;
let token = "";

const users = () => t.mongo.db.collection("users");
const events = () => t.mongo.db.collection("webhookEvents");
const sign = (body: string) =>
  `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
/** A hand-made `user.updated` envelope naming `stored` (a users document) anew, sent now. */
const userUpdated = (
  eventId: string,
  stored: Record<string, unknown> | null,
  givenName: string,
  familyName: string,
) => {
  const id = String(stored?.ssoUserId);
  return JSON.stringify({
    id: eventId,
    event: "user.updated",
    resourceType: "User",
    resourceId: id,
    timestamp: new Date().toISOString(),
    data: {
      id,
      userName: stored?.email,
      name: { givenName, familyName },
      active: true,
      meta: { lastModified: new Date().toISOString() },
    },
  });
};
const postToEdge = (body: string, signature: string) =>
  fetch(`${edge.url}/api/v1/scim/webhook`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-SCIM-Signature": signature },
    body,
  });

beforeAll(async () => {
  t = await openTestDb("webhook_e2e");
  const edgePort = await freePort();
  sso = await spawnReady([BUN, "dev/sso/main.ts"], {
    SSO_PORT: "0",
    DEV_SSO_USERS: "20",
    DEV_SSO_RATE_LIMIT: "0",
    SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    DEV_SSO_WEBHOOK_RETRY_MS: "200",
    DEV_SSO_WEBHOOK_URL: `http://127.0.0.1:${edgePort}/api/v1/scim/webhook`,
  }, { name: "sso", cwd: ROOT });
  runner = await startRunner({
    SSO_BASE_URL: sso.url,
    SCIM_CLIENT_ID: "scim-dev-client",
    SCIM_CLIENT_SECRET: "dev-secret-change-me",
    MONGODB_URI: t.uri,
    MONGODB_DB: t.name,
    INGEST_SECRET,
    SYNC_ON_START: "true",
    SYNC_INTERVAL: "1h",
  }, 60_000);
  edge = await startEdge({
    SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    INGEST_SECRET,
    PORT: String(edgePort),
    OFM_INGEST_URL: `${runner.url}/api/v1/scim/events`,
  });
  const res = await fetch(`${sso.url}/scim/v2/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "scim-dev-client",
      client_secret: "dev-secret-change-me",
    }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
  // The runner's first sync brings the users in.
  await waitFor(async () => (await users().countDocuments()) >= 20, 30_000, "the first sync");
}, 120_000);

afterAll(async () => {
  edge?.proc.kill("SIGTERM");
  await edge?.proc.exited;
  runner?.signal("SIGTERM");
  await runner?.exited;
  await sso?.stop();
  await t.drop();
});

describe("webhooks end to end", () => {
  test(
    "a phone change in the SSO reaches MongoDB through the Deno edge, long before the hourly sync",
    async () => {
      const auth = { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" };
      const list =
        (await (await fetch(`${sso.url}/scim/v2/Users?count=1`, { headers: auth })).json()) as {
          Resources: Record<string, unknown>[];
        };
      const user = list.Resources[0] as Record<string, unknown>;
      user.phoneNumbers = [{ value: "+62 e2e 0001", type: "mobile", primary: true }];
      const put = await fetch(`${sso.url}/scim/v2/Users/${String(user.id)}`, {
        method: "PUT",
        headers: auth,
        body: JSON.stringify(user),
      });
      expect(put.status).toBe(200);
      // A generous limit for a loaded machine; the next sync is an hour away, and the
      // document must say the webhook wrote it.
      const changed = await waitFor(
        () => users().findOne({ ssoUserId: user.id, phone: "+62 e2e 0001" }),
        10_000,
        "the phone change in MongoDB",
        10,
      );
      expect(changed).toMatchObject({ syncSource: "webhook" });
      const ev = await waitFor(
        async () => {
          const docs = await events().find({ resourceId: user.id, event: "user.updated" })
            .toArray();
          return docs.length > 0 && docs.every((d) => d.status !== "processing") ? docs : null;
        },
        10_000,
        "the event record",
      );
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({ resourceType: "User", action: "update", status: "success" });
      await waitFor(
        () => edge.lines.some((l) => l.includes("📥 Webhook received: user.updated (User)")),
        10_000,
        "the edge's log line",
      );
      await waitFor(
        () =>
          runner.lines.some((l) =>
            l.includes(`✅ User updated via webhook: ${String(user.userName)}`)
          ),
        10_000,
        "the runner's log line",
      );
    },
    30_000,
  );

  test("the guide's curl with X-SCIM-Signature: sha256=test gets 401 from the edge and nothing is stored", async () => {
    const count = await events().countDocuments();
    const res = await postToEdge(
      JSON.stringify({ event: "user.updated", resourceType: "User", resourceId: "x" }),
      "sha256=test",
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid webhook signature" });
    expect(await events().countDocuments()).toBe(count);
  });

  test("a correctly signed user.updated changes the user before the edge answers; the same delivery again is a duplicate", async () => {
    const target = await users().findOne({}, { sort: { ssoUserId: 1 }, skip: 3 });
    const id = String(target?.ssoUserId);
    const body = userUpdated("e2e-signed-1", target, "Signed", "ByHand");
    const first = await postToEdge(body, sign(body));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: "success", eventId: "e2e-signed-1" });
    // The edge answers only after the runner stored the event: read at once, no waiting.
    expect(await users().findOne({ ssoUserId: id })).toMatchObject({
      firstName: "Signed",
      lastName: "ByHand",
      syncSource: "webhook",
    });
    const again = await postToEdge(body, sign(body));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: "duplicate", eventId: "e2e-signed-1" });
    const recs = await events().find({ eventId: "e2e-signed-1" }).toArray();
    expect(recs).toHaveLength(1);
    expect(recs[0]?.status).toBe("success");
  });

  test(
    "an event a stopped runner left processing is marked failed by the next run, the guide's query finds it, and its next delivery applies it",
    async () => {
      const target = await users().findOne({}, { sort: { ssoUserId: 1 }, skip: 5 });
      const id = String(target?.ssoUserId);
      const eventId = "e2e-abandoned-1";
      // What a runner killed after its claim leaves: the record its claim wrote, eleven minutes
      // ago, with no outcome (the runner's own store writes it, as that runner's did).
      const receivedAt = new Date(Date.now() - 11 * 60_000);
      const claim = await createEventStore(t.mongo.db).claim({
        eventId,
        event: "user.updated",
        resourceType: "User",
        resourceId: id,
        action: "update",
        receivedAt,
        expiresAt: new Date(receivedAt.getTime() + 86_400_000),
      }, new Date(0));
      expect(claim.kind).toBe("claimed");

      const run = await fetch(`${runner.url}/api/v1/scim/sync?type=delta`, { method: "POST" });
      expect(run.status).toBe(202);
      const closed = await waitFor(
        () => events().findOne({ eventId, status: "failed" }),
        30_000,
        "the record closed by the run's sweep",
      );
      expect(closed).toMatchObject({ error: EVENT_ABANDONED, processedAt: expect.any(Date) });
      // The brief's troubleshooting query: db.webhookEvents.find({ status: 'failed' }).
      expect((await events().find({ status: "failed" }).toArray()).map((d) => d.eventId))
        .toContain(eventId);
      await waitFor(
        () => runner.lines.some((l) => l.includes("Marked 1 webhook event(s) failed")),
        10_000,
        "the runner's warning",
      );

      const body = userUpdated(eventId, target, "Came", "Again");
      const res = await postToEdge(body, sign(body));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "success", eventId });
      expect(await users().findOne({ ssoUserId: id })).toMatchObject({
        firstName: "Came",
        lastName: "Again",
      });
      const recs = await events().find({ eventId }).toArray();
      expect(recs.map((r) => [r.status, r.error])).toEqual([["success", null]]);
    },
    60_000,
  );

  test(
    "edge/main.ts refuses to start with a short secret, naming the variable and not the value",
    async () => {
      const proc = Bun.spawn([DENO, "run", "--allow-net", "--allow-env", "edge/main.ts"], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          SCIM_WEBHOOK_SECRET: "tooshort-xyz",
          INGEST_SECRET,
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await proc.exited).toBe(2);
      const err = await new Response(proc.stderr).text();
      expect(err).toContain("SCIM_WEBHOOK_SECRET must be at least 16 bytes");
      expect(err).not.toContain("tooshort-xyz");
    },
    30_000,
  );

  test(
    "20 webhooks at once through a real edge land exactly once, the edge batching those that wait",
    async () => {
      // A recording hop between the edge and the runner: what the edge sends, passed on as
      // is — the first request held until the edge has taken in all 20, so the other 19 wait
      // behind it (an awaited event, not a race against the clock).
      const sent: number[] = [];
      let release: () => void = () => {};
      const allReceived = new Promise<void>((r) => (release = r));
      const hop = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        async fetch(req) {
          const body = await req.text();
          sent.push(
            body.startsWith('{"events":')
              ? (JSON.parse(body) as { events: unknown[] }).events.length
              : 1,
          );
          if (sent.length === 1) await allReceived;
          return await fetch(`${runner.url}/api/v1/scim/events`, {
            method: "POST",
            headers: req.headers,
            body,
          });
        },
      });
      const busy = await startEdge({
        SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
        INGEST_SECRET,
        PORT: "0",
        OFM_INGEST_URL: `http://127.0.0.1:${hop.port}/api/v1/scim/events`,
      });
      try {
        const all = await users().find({}, { projection: { ssoUserId: 1, email: 1 } }).toArray();
        expect(all.length).toBeGreaterThanOrEqual(20);
        // The edge logs each event it admitted just before handing it to its forwarder.
        const received = () =>
          busy.lines.filter((l) => l.includes("Webhook received") && l.includes("e2e-burst-"))
            .length;
        void waitFor(() => received() >= 20, 30_000, "the edge to take in all 20 events", 20)
          .then(release, release);
        const answers = await Promise.all(
          all.slice(0, 20).map(async (u, i) => {
            const body = JSON.stringify({
              id: `e2e-burst-${i}`,
              event: "user.updated",
              resourceType: "User",
              resourceId: u.ssoUserId,
              timestamp: new Date().toISOString(),
              data: {
                id: u.ssoUserId,
                userName: u.email,
                active: true,
                phoneNumbers: [{ value: `+62 burst ${i}`, primary: true }],
                meta: { lastModified: new Date().toISOString() },
              },
            });
            const res = await fetch(`${busy.url}/api/v1/scim/webhook`, {
              method: "POST",
              headers: { "Content-Type": "application/json", "X-SCIM-Signature": sign(body) },
              body,
            });
            return res.status;
          }),
        );
        expect(answers).toEqual(Array(20).fill(200));
        expect(await users().countDocuments({ phone: /^\+62 burst / })).toBe(20);
        expect(await events().countDocuments({ eventId: /^e2e-burst-/, status: "success" })).toBe(
          20,
        );
        // The first went out alone; the 19 that waited behind it went out together.
        expect(sent).toEqual([1, 19]);
      } finally {
        busy.proc.kill("SIGTERM");
        await busy.proc.exited;
        hop.stop(true);
      }
    },
    60_000,
  );

  test("the edge logs no secret, signature or body", () => {
    const all = edge.lines.join("\n");
    expect(all).not.toContain(WEBHOOK_SECRET);
    expect(all).not.toContain(INGEST_SECRET);
    expect(all).not.toContain("sha256=");
    expect(all).not.toContain("ByHand");
  });
});

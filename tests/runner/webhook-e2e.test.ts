// End to end with real processes: a change made in the development SSO posts a
// signed webhook to a real Deno edge, which forwards to a real Bun runner,
// which writes MongoDB.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { MongoClient } from "mongodb";
import { freePort } from "../../dev/mongo-server.ts";
import { type ReadyProcess, spawnReady } from "../../dev/spawn-ready.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const DENO = resolve(ROOT, "node_modules/.bin/deno");
const URI = process.env.MONGODB_URI ?? "mongodb://127.0.0.1:27017";
const DB = `t_e2e_${process.pid}`;
const WEBHOOK_SECRET = "e2e-webhook-secret-0123456789";
const INGEST_SECRET = "e2e-ingest-secret-0123456789";
const procs: ReadyProcess[] = [];
let mongo: MongoClient;
let sso: ReadyProcess;
let edge: ReadyProcess;
let token = "";

beforeAll(async () => {
  mongo = await new MongoClient(URI).connect();
  const edgePort = await freePort();
  sso = await spawnReady([BUN, "dev/sso/main.ts"], {
    SSO_PORT: "0", DEV_SSO_USERS: "20", SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET, DEV_SSO_WEBHOOK_RETRY_MS: "200",
    DEV_SSO_WEBHOOK_URL: `http://127.0.0.1:${edgePort}/api/v1/scim/webhook`,
  }, { name: "sso", cwd: ROOT });
  procs.push(sso);
  const runner = await spawnReady([BUN, "runner/main.ts"], {
    SSO_BASE_URL: sso.url, SCIM_CLIENT_ID: "scim-dev-client", SCIM_CLIENT_SECRET: "dev-secret-change-me",
    MONGODB_URI: URI, MONGODB_DB: DB, INGEST_SECRET, PORT: "0", SYNC_ON_START: "true", SYNC_INTERVAL: "1h",
  }, { name: "runner", cwd: ROOT, timeoutMs: 60_000 });
  procs.push(runner);
  edge = await spawnReady([DENO, "run", "--allow-net", "--allow-env", "edge/main.ts"], {
    SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET, INGEST_SECRET, PORT: String(edgePort), OFM_INGEST_URL: `${runner.url}/api/v1/scim/events`,
  }, { name: "edge", cwd: ROOT, timeoutMs: 60_000 });
  procs.push(edge);
  const res = await fetch(`${sso.url}/scim/v2/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: "scim-dev-client", client_secret: "dev-secret-change-me" }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
  // Wait for the runner's first sync so the users exist.
  for (let i = 0; i < 100 && (await mongo.db(DB).collection("users").countDocuments()) < 20; i++) await Bun.sleep(100);
}, 120_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.stop();
  await mongo.db(DB).dropDatabase().catch(() => {});
  await mongo.close();
});

async function waitFor<T>(fn: () => Promise<T | null | undefined>, ms: number): Promise<T | null> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await Bun.sleep(20);
  }
  return null;
}

describe("webhooks end to end", () => {
  test("a phone change in the SSO reaches MongoDB through the Deno edge within a second", async () => {
    const auth = { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" };
    const list = (await (await fetch(`${sso.url}/scim/v2/Users?count=1`, { headers: auth })).json()) as { Resources: Record<string, unknown>[] };
    const user = list.Resources[0] as Record<string, unknown>;
    user.phoneNumbers = [{ value: "+62 e2e 0001", type: "mobile", primary: true }];
    const t0 = Date.now();
    const put = await fetch(`${sso.url}/scim/v2/Users/${String(user.id)}`, { method: "PUT", headers: auth, body: JSON.stringify(user) });
    expect(put.status).toBe(200);
    const doc = await waitFor(() => mongo.db(DB).collection("users").findOne({ ssoUserId: user.id, phone: "+62 e2e 0001" }), 1000);
    expect(doc).not.toBeNull();
    expect(Date.now() - t0).toBeLessThan(1000);
    const ev = await waitFor(() => mongo.db(DB).collection("webhookEvents").findOne({ resourceId: user.id, event: "user.updated", status: "success" }), 1000);
    expect(ev).toMatchObject({ resourceType: "User", action: "update", status: "success" });
  }, 30_000);

  test("the guide's curl with X-SCIM-Signature: sha256=test gets 401 from the edge", async () => {
    const res = await fetch(`${edge.url}/api/v1/scim/webhook`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-SCIM-Signature": "sha256=test" },
      body: JSON.stringify({ event: "user.updated", resourceType: "User", resourceId: "x" }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid webhook signature" });
  });

  test("a signed delivery sent twice is applied once and then answered duplicate", async () => {
    const body = JSON.stringify({
      id: "e2e-dup-1", event: "user.created", resourceType: "User", resourceId: "e2e-new", timestamp: new Date().toISOString(),
      data: { id: "e2e-new", userName: "new.hire@ias.co.id", active: true },
    });
    const { createHmac } = await import("node:crypto");
    const sig = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
    const post = () => fetch(`${edge.url}/api/v1/scim/webhook`, { method: "POST", headers: { "Content-Type": "application/json", "X-SCIM-Signature": sig }, body });
    expect(await (await post()).json()).toMatchObject({ status: "success" });
    expect(await (await post()).json()).toMatchObject({ status: "duplicate" });
    expect(await mongo.db(DB).collection("webhookEvents").countDocuments({ eventId: "e2e-dup-1" })).toBe(1);
  });
});

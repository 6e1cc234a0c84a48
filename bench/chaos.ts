/**
 * `bun bench/chaos.ts [--minutes 5] [--users 2000] [--server ferretdb|fast]`:
 * the daemon as an operator leaves it, under chaos, then a check that OFM
 * ends in step with the SSO. The development SSO sends every change as a
 * signed webhook through a real Deno edge to a real runner daemon (full sync
 * every 20 s, delta every 5 s) kept alive by a supervisor that restarts it on
 * failure, as deploy/ does; `/_dev/mutate` changes 10, deletes 1 and adds 1
 * person every 0.5–2 s; the MongoDB-wire server is killed every 3–15 s and
 * started again 0.5–6.5 s later on the same port (FerretDB keeps its data;
 * mongo-java-server comes back empty, a harder case: everything is imported
 * again).
 *
 * Then the chaos stops, the SSO's deliveries are let finish (or give up), and
 * the next full sync that starts afterwards must end `success`. Convergence
 * is checked against the SSO's own listing: every person it lists is in OFM
 * with the mapped value of every synced field, and every person OFM holds
 * from the SSO that it no longer lists is inactive. Prints ✅/❌ and exits 1
 * when OFM did not converge or the full sync did not end `success`. The
 * runner's log is kept in bench/out/chaos-runner.log.
 *
 * @module
 */
import { mkdirSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { MongoClient } from "mongodb";
import { z } from "zod";
import { mapUser } from "../shared/mapping.ts";
import { USER_SYNC_FIELDS } from "../shared/ofm-documents.ts";
import { freePort, startMongoServer } from "../dev/mongo-server.ts";
import {
  BENCH_STATIC_TOKEN,
  BUN,
  INGEST_SECRET,
  ROOT,
  runnerEnv,
  startBenchEdge,
  startBenchSso,
  WEBHOOK_SECRET,
} from "./bench-world.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    minutes: { type: "string", default: "5" },
    users: { type: "string", default: "2000" },
    server: { type: "string", default: "ferretdb" },
  },
});
const DB = "chaos";
const LOG = resolve(ROOT, "bench/out/chaos-runner.log");
const dev = { authorization: `Bearer ${BENCH_STATIC_TOKEN}` };
/** A page of the SSO's listing, as far as the comparison needs it; each resource is mapped later. */
const ListPage = z.object({
  totalResults: z.number().int().nonnegative(),
  Resources: z.array(z.looseObject({ id: z.string() })).default([]),
});
/** The SSO's delivery queue (`GET /_dev/webhooks`). */
const Deliveries = z.object({ pending: z.number().int().nonnegative() });
const since = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

/** A runner daemon restarted whenever it exits with a failure, its output appended to LOG. */
function supervised(env: Record<string, string>, port: number) {
  mkdirSync(resolve(ROOT, "bench/out"), { recursive: true });
  const log = openSync(LOG, "w");
  let proc = start();
  let restarts = 0;
  let stopping = false;
  function start() {
    return Bun.spawn([BUN, "runner/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port) } as Record<string, string>,
      stdout: log,
      stderr: log,
    });
  }
  const watching = (async () => {
    for (;;) {
      const code = await proc.exited;
      if (stopping || code === 0) return;
      restarts++;
      console.log(`  runner exited ${code}: the supervisor starts another`);
      proc = start();
    }
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      proc.kill("SIGTERM");
      await watching;
      return await proc.exited;
    },
  };
}

/** Polls until `f` answers truthy; throws after `ms`. */
async function until<T>(f: () => Promise<T | null | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`no ${what} within ${ms / 1000} s`);
    await Bun.sleep(500);
  }
}

/** Kills the server at random moments and starts it again, until `end`. */
async function chaos(mongo: Awaited<ReturnType<typeof startMongoServer>>, end: number, t0: number) {
  let kills = 0;
  while (Date.now() < end) {
    await Bun.sleep(3000 + Math.random() * 12_000);
    mongo.kill();
    kills++;
    await Bun.sleep(500 + Math.random() * 6000);
    await mongo.restart();
    console.log(`  ${since(t0)} MongoDB killed (#${kills}) and started again`);
  }
  return kills;
}

/** Changes the directory at random moments until `end`. */
async function mutate(ssoUrl: string, end: number) {
  let n = 0;
  while (Date.now() < end) {
    await Bun.sleep(500 + Math.random() * 1500);
    const r = await fetch(`${ssoUrl}/_dev/mutate`, {
      method: "POST",
      headers: { ...dev, "content-type": "application/json" },
      body: JSON.stringify({ changeUsers: 10, deleteUsers: 1, addUsers: 1 }),
    }).catch(() => null);
    if (r?.ok) n++;
  }
  return n;
}

/** Every user the SSO lists, by SCIM id. */
async function ssoUsers(ssoUrl: string): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (let start = 1;; start += 1000) {
    const r = await fetch(`${ssoUrl}/scim/v2/Users?startIndex=${start}&count=1000`, {
      headers: dev,
    });
    const page = ListPage.parse(await r.json());
    for (const u of page.Resources) out.set(u.id, u);
    if (page.Resources.length === 0 || out.size >= page.totalResults) return out;
  }
}

/** What differs between the SSO's listing and OFM's users: one line per person, empty when in step. */
async function differences(ssoUrl: string, uri: string): Promise<string[]> {
  const listed = await ssoUsers(ssoUrl);
  const client = await new MongoClient(uri).connect();
  try {
    const docs = await client.db(DB).collection("users").find({ ssoUserId: { $ne: null } })
      .toArray();
    const byId = new Map(docs.map((d) => [String(d.ssoUserId), d]));
    const out: string[] = [];
    for (const [id, raw] of listed) {
      const mapped = mapUser(raw);
      const doc = byId.get(id);
      if (!mapped.ok) out.push(`${id}: the SSO's resource does not map (${mapped.error.message})`);
      else if (!doc) out.push(`${id}: listed by the SSO, absent from OFM`);
      else {
        for (const f of USER_SYNC_FIELDS) {
          if ((doc[f] ?? null) !== mapped.value[f]) {
            out.push(
              `${id}: ${f} is ${JSON.stringify(doc[f])}, the SSO says ${
                JSON.stringify(mapped.value[f])
              }`,
            );
          }
        }
      }
    }
    for (const [id, doc] of byId) {
      if (!listed.has(id) && doc.isActive !== false) {
        out.push(`${id}: gone from the SSO, active in OFM`);
      }
    }
    return out;
  } finally {
    await client.close();
  }
}

/** The runs in syncHistory and the events in webhookEvents, counted by how they ended. */
async function ledger(uri: string): Promise<string> {
  const client = await new MongoClient(uri).connect();
  try {
    const count = async (name: string, key: (d: Record<string, unknown>) => string) => {
      const by: Record<string, number> = {};
      for (const d of await client.db(DB).collection(name).find({}).toArray()) {
        by[key(d)] = (by[key(d)] ?? 0) + 1;
      }
      return Object.entries(by).map(([k, n]) => `${n} ${k}`).join(", ") || "none";
    };
    const code = (d: Record<string, unknown>) =>
      (d.error as { code?: string } | null | undefined)?.code ?? "";
    const runs = await count("syncHistory", (d) => `${d.type} ${d.status} ${code(d)}`.trim());
    const events = await count("webhookEvents", (d) => `${d.status} ${code(d)}`.trim());
    return `runs: ${runs}\n  webhook events: ${events}`;
  } finally {
    await client.close();
  }
}

/** The first full sync that started after `after` and ended, from syncHistory. */
function fullSyncAfter(uri: string, after: Date) {
  return until(
    async () => {
      const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 2000 }).connect();
      try {
        return await client.db(DB).collection("syncHistory").findOne(
          { type: "scim_full_sync", startedAt: { $gt: after }, status: { $ne: "running" } },
          { sort: { startedAt: 1 } },
        );
      } finally {
        await client.close();
      }
    },
    300_000,
    "full sync after the chaos",
  );
}

const t0 = Date.now();
const mongo = await startMongoServer({
  forceEmbedded: true,
  kind: values.server === "fast" ? "java" : "ferretdb",
});
const edgePort = await freePort();
const sso = await startBenchSso(Number(values.users), {
  SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
  DEV_SSO_WEBHOOK_URL: `http://127.0.0.1:${edgePort}/api/v1/scim/webhook`,
});
const runner = supervised({
  ...runnerEnv(sso.url, mongo.uri),
  MONGODB_DB: DB,
  INGEST_SECRET,
  SYNC_INTERVAL: "20s",
  SYNC_DELTA_INTERVAL: "5s",
  LOG_LEVEL: "info",
  // The chaos deactivates a quarter of the company in five minutes (a deletion and ~1.5
  // flips of `active` per change of the directory), which the default gate (20% a day)
  // rightly stops, then quarantines: the first five-minute run here ended so. The check
  // below needs no gate: a person wrongly deactivated is a difference like any other.
  SYNC_MAX_DEACTIVATE: "100%",
}, await freePort());
const edge = await startBenchEdge(edgePort, runner.url);
let ok = false;
try {
  await until(() => fetch(`${runner.url}/health`).then((r) => r.status > 0), 60_000, "runner");
  console.log(`chaos for ${values.minutes} min, ${values.users} people, ${mongo.kind}`);
  const end = Date.now() + Number(values.minutes) * 60_000;
  const [kills, mutations] = await Promise.all([chaos(mongo, end, t0), mutate(sso.url, end)]);
  console.log(
    `${
      since(t0)
    } chaos over: ${kills} kills, ${mutations} changes of the directory, ${runner.restarts} runner restarts`,
  );
  // Polled, not `POST /_dev/webhooks/idle`: a request held open for minutes is cut by the server.
  await until(
    async () => {
      const r = await fetch(`${sso.url}/_dev/webhooks`, { headers: dev });
      return Deliveries.parse(await r.json()).pending === 0;
    },
    600_000,
    "end of the SSO's deliveries",
  );
  console.log(`${since(t0)} the SSO's deliveries ended (stored, or given up after their retries)`);
  const full = await fullSyncAfter(mongo.uri, new Date()).catch((e: Error) => {
    console.log(`${since(t0)} ❌ ${e.message} (the log says why: a gate, a quarantine?)`);
    return null;
  });
  if (full) {
    const error = full.error ? ` (${full.error.code}: ${full.error.message})` : "";
    console.log(`${since(t0)} the next full sync: ${full.status}${error}`);
  }
  const diff = await differences(sso.url, mongo.uri);
  ok = full?.status === "success" && diff.length === 0;
  for (const line of diff.slice(0, 20)) console.log(`  ${line}`);
  console.log(`  ${await ledger(mongo.uri)}`);
  console.log(
    `${ok ? "✅" : "❌"} OFM ${
      diff.length === 0 ? "is in step with" : `differs from (${diff.length})`
    } the SSO after ${kills} MongoDB kills and ${runner.restarts} runner restarts; log: ${LOG}`,
  );
} finally {
  console.log(`runner stopped: exit ${await runner.stop()}`);
  await edge.stop();
  await sso.stop();
  await mongo.stop();
}
process.exit(ok ? 0 : 1);

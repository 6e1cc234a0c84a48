/**
 * `bun bench/webhook-latency.ts [--events 1000] [--warmup 0]`: end-to-end latency of a
 * directory change — a SCIM PUT on the development SSO, its signed webhook to
 * a real Deno edge, forwarded to a real Bun runner, until the MongoDB document
 * shows the change. Prints p50/p99 and merges them into bench/results.json.
 * `--baseline <dir>` first measures another checkout's runner the same way
 * (a before/after of a change in one run; link its node_modules to ours).
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Collection, MongoClient } from "mongodb";
import { ROOT, startWebhookWorld } from "./bench-world.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    events: { type: "string", default: "1000" },
    /** Another checkout (its node_modules linked) measured in the same run, before ours. */
    baseline: { type: "string" },
    /** Also break each event down by the clocks along the path (a few reads after each). */
    stages: { type: "boolean", default: false },
    /**
     * Changes sent first and left out of the figures (the JITs of the JVM, Bun and Deno
     * warming up): reported on their own line, so the cold start stays visible.
     */
    warmup: { type: "string", default: "0" },
  },
});
const EVENTS = Number(values.events);
const WARMUP = Number(values.warmup);

/**
 * Where one event's time went, from the clocks along the path (one machine, ms): the SSO
 * applying the PUT (the user's scimLastModified), the webhook reaching the edge (the event
 * record's receivedAt), the runner writing the user (updatedAt), the watcher seeing it.
 */
interface Stages {
  total: number;
  put: number;
  ssoToEdge: number;
  edgeToWritten: number;
  writtenToSeen: number;
}
const stages: Stages[] = [];
/**
 * Each measured change as MongoDB acknowledged it, by the runner's own stamp: the event's
 * `processedAt` (taken once the user's write was acknowledged) minus the PUT's start. The
 * watcher's figure adds its own polling (a read every ~2 ms, ~3 ms at the median): this one
 * does not, and is read once after the run, so nothing extra runs while changes flow.
 */
const acked: number[] = [];

/** One world (SSO, edge, the runner of `root`), EVENTS changes through it; the latencies. */
async function measure(root: string): Promise<number[]> {
  const world = await startWebhookWorld(
    1000,
    { MONGODB_DB: "bench_webhooks", SYNC_INTERVAL: "1d" },
    root,
  );
  const { mongo, sso } = world;
  const client = await new MongoClient(mongo.uri).connect();
  const users = client.db("bench_webhooks").collection("users");
  const events = client.db("bench_webhooks").collection("webhookEvents");
  const latencies: number[] = [];
  const warm: number[] = [];
  const sent: { resourceId: string; wall0: number }[] = [];
  try {
    while ((await users.countDocuments()) < 1000) await Bun.sleep(100);
    const tok = await fetch(`${sso.url}/scim/v2/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: world.client.id,
        client_secret: world.client.secret,
      }),
    });
    const auth = {
      Authorization: `Bearer ${((await tok.json()) as { access_token: string }).access_token}`,
      "Content-Type": "application/scim+json",
    };
    const page =
      (await (await fetch(`${sso.url}/scim/v2/Users?count=200`, { headers: auth })).json()) as {
        Resources: Record<string, unknown>[];
      };
    // Polled by _id: the one lookup FerretDB answers from an index, so the watcher barely loads it.
    const ids = new Map<unknown, unknown>();
    for (const d of await users.find({}, { projection: { _id: 1, ssoUserId: 1 } }).toArray()) {
      ids.set(d.ssoUserId, d._id);
    }
    for (let i = 0; i < WARMUP + EVENTS; i++) {
      const user = page.Resources[i % page.Resources.length] as Record<string, unknown>;
      const _id = ids.get(user.id);
      const phone = `+62 lat ${i}`;
      user.phoneNumbers = [{ value: phone, type: "mobile", primary: true }];
      const t0 = performance.now();
      const wall0 = Date.now();
      await fetch(`${sso.url}/scim/v2/Users/${String(user.id)}`, {
        method: "PUT",
        headers: auth,
        body: JSON.stringify(user),
      });
      while (
        (await users.findOne({ _id } as object, { projection: { phone: 1 } }))?.phone !== phone
      ) await Bun.sleep(2);
      const total = performance.now() - t0;
      const seen = Date.now();
      if (i < WARMUP) {
        warm.push(total);
        continue;
      }
      latencies.push(total);
      if (root === ROOT) sent.push({ resourceId: String(user.id), wall0 });
      if (values.stages && root === ROOT) {
        stages.push(await stagesOf(users, events, _id, String(user.id), wall0, seen, total));
      }
    }
    if (sent.length > 0) acked.push(...(await ackedLatencies(events, sent)));
  } finally {
    await client.close();
    await world.stop();
  }
  if (WARMUP > 0) {
    const w = pctOf(warm.sort((a, b) => a - b));
    console.log(`  warm-up (${WARMUP} changes, left out): p50 ${w(50)} ms, p99 ${w(99)} ms`);
  }
  // The tail over the run, a quarter at a time: a cold start shows in the first only.
  const quarter = Math.ceil(latencies.length / 4);
  const quarters = [0, 1, 2, 3].map((q) =>
    pctOf(latencies.slice(q * quarter, (q + 1) * quarter).sort((a, b) => a - b))(99)
  );
  console.log(`  p99 by quarter of the run: ${quarters.join(" / ")} ms`);
  return latencies.sort((a, b) => a - b);
}

/** Each sent change's acknowledged latency: its event's first record at or after its PUT. */
async function ackedLatencies(
  events: Collection,
  sent: { resourceId: string; wall0: number }[],
): Promise<number[]> {
  const records = await events.find({ receivedAt: { $gte: new Date(sent[0]!.wall0) } }, {
    projection: { _id: 0, resourceId: 1, receivedAt: 1, processedAt: 1 },
  }).sort({ receivedAt: 1 }).toArray();
  const byResource = new Map<string, { received: number; processed: number }[]>();
  for (const r of records) {
    const list = byResource.get(String(r.resourceId)) ?? [];
    list.push({
      received: (r.receivedAt as Date).getTime(),
      processed: (r.processedAt as Date).getTime(),
    });
    byResource.set(String(r.resourceId), list);
  }
  return sent.map(({ resourceId, wall0 }) => {
    const list = byResource.get(resourceId) ?? [];
    const i = list.findIndex((r) => r.received >= wall0);
    if (i < 0) return NaN;
    const [r] = list.splice(i, 1);
    return r!.processed - wall0;
  });
}

/** The stamps of one event, read after it was seen (outside its timing). */
async function stagesOf(
  users: Collection,
  events: Collection,
  _id: unknown,
  resourceId: string,
  wall0: number,
  seen: number,
  total: number,
): Promise<Stages> {
  const doc = await users.findOne({ _id } as object, {
    projection: { scimLastModified: 1, updatedAt: 1 },
  });
  const event = await events.findOne({ resourceId }, {
    sort: { receivedAt: -1 },
    projection: { receivedAt: 1 },
  });
  const changed = (doc?.scimLastModified as Date).getTime();
  const received = (event?.receivedAt as Date).getTime();
  const written = (doc?.updatedAt as Date).getTime();
  return {
    total,
    put: changed - wall0,
    ssoToEdge: received - changed,
    edgeToWritten: written - received,
    writtenToSeen: seen - written,
  };
}

/** The tail's stages beside the median's: where the slowest 1% spent their time. */
function reportStages(): void {
  const byTotal = [...stages].sort((a, b) => a.total - b.total);
  const tail = byTotal.slice(Math.floor(byTotal.length * 0.99));
  const keys = ["put", "ssoToEdge", "edgeToWritten", "writtenToSeen"] as const;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log("stages (ms, by the clocks along the path): median event | mean of the slowest 1%");
  for (const k of keys) {
    const mean = tail.reduce((n, s) => n + s[k], 0) / Math.max(1, tail.length);
    console.log(
      `  ${k.padEnd(14)} ${String(median(stages.map((s) => s[k]))).padStart(4)} | ${
        mean.toFixed(1)
      }`,
    );
  }
  console.log(
    `  slowest: ${
      tail.map((s) => `${s.total.toFixed(1)} (${keys.map((k) => s[k]).join("/")})`).join(", ")
    }`,
  );
}

const pctOf = (latencies: number[]) => (p: number) =>
  Math.round(
    (latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN) *
      10,
  ) / 10;

if (values.baseline) {
  const before = pctOf(await measure(resolve(values.baseline)));
  console.log(
    `baseline (${values.baseline}) over ${EVENTS} changes: p50 ${before(50)} ms, p99 ${
      before(99)
    } ms, max ${before(100)} ms`,
  );
}
const latencies = await measure(ROOT);
const pct = pctOf(latencies);
const ackedSorted = acked.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
const figures = {
  events: EVENTS,
  p50Ms: pct(50),
  p99Ms: pct(99),
  maxMs: pct(100),
  ackedP50Ms: pctOf(ackedSorted)(50),
  ackedP99Ms: pctOf(ackedSorted)(99),
  ackedMissing: acked.filter((x) => Number.isNaN(x)).length,
  warmup: WARMUP,
  command: `bun bench/webhook-latency.ts --events ${EVENTS}${
    WARMUP > 0 ? ` --warmup ${WARMUP}` : ""
  }${values.baseline ? ` --baseline ${values.baseline}` : ""}`,
  date: new Date().toISOString(),
  // The machine is shared: its load averages (1, 5, 15 min) as the run ends.
  load: loadavg().map((x) => Math.round(x * 100) / 100),
};
console.log(
  `webhook end to end over ${EVENTS} changes: p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms ` +
    `(target p99 < 20 ms: ${figures.p99Ms < 20 ? "✅" : "❌"}; load ${figures.load.join(" ")})`,
);
console.log(
  `  as acknowledged (the runner's processedAt − the PUT's start, no watcher): p50 ${figures.ackedP50Ms} ms, ` +
    `p99 ${figures.ackedP99Ms} ms (target p99 < 20 ms: ${figures.ackedP99Ms < 20 ? "✅" : "❌"}${
      figures.ackedMissing > 0 ? `; ${figures.ackedMissing} without a record` : ""
    })`,
);
if (values.stages) reportStages();
const file = resolve(ROOT, "bench/results.json");
const existing = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
writeFileSync(file, JSON.stringify({ ...existing, webhookEndToEnd: figures }, null, 2) + "\n");

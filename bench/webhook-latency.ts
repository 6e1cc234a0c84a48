/**
 * `bun bench/webhook-latency.ts [--events 1000]`: end-to-end latency of a
 * directory change — a SCIM PUT on the development SSO, its signed webhook to
 * a real Deno edge, forwarded to a real Bun runner, until the MongoDB document
 * shows the change. Prints p50/p99 and merges them into bench/results.json.
 * `--baseline <dir>` first measures another checkout's runner the same way
 * (a before/after of a change in one run; link its node_modules to ours).
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { MongoClient } from "mongodb";
import { ROOT, startWebhookWorld } from "./bench-world.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    events: { type: "string", default: "1000" },
    /** Another checkout (its node_modules linked) measured in the same run, before ours. */
    baseline: { type: "string" },
  },
});
const EVENTS = Number(values.events);

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
  const latencies: number[] = [];
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
    for (let i = 0; i < EVENTS; i++) {
      const user = page.Resources[i % page.Resources.length] as Record<string, unknown>;
      const _id = ids.get(user.id);
      const phone = `+62 lat ${i}`;
      user.phoneNumbers = [{ value: phone, type: "mobile", primary: true }];
      const t0 = performance.now();
      await fetch(`${sso.url}/scim/v2/Users/${String(user.id)}`, {
        method: "PUT",
        headers: auth,
        body: JSON.stringify(user),
      });
      while (
        (await users.findOne({ _id } as object, { projection: { phone: 1 } }))?.phone !== phone
      ) await Bun.sleep(2);
      latencies.push(performance.now() - t0);
    }
  } finally {
    await client.close();
    await world.stop();
  }
  return latencies.sort((a, b) => a - b);
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
const figures = {
  events: EVENTS,
  p50Ms: pct(50),
  p99Ms: pct(99),
  maxMs: pct(100),
  command: `bun bench/webhook-latency.ts --events ${EVENTS}${
    values.baseline ? ` --baseline ${values.baseline}` : ""
  }`,
  date: new Date().toISOString(),
};
console.log(
  `webhook end to end over ${EVENTS} changes: p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms`,
);
const file = resolve(ROOT, "bench/results.json");
const existing = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
writeFileSync(file, JSON.stringify({ ...existing, webhookEndToEnd: figures }, null, 2) + "\n");

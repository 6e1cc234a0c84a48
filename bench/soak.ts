/**
 * `bun bench/soak.ts [--minutes 10] [--users 2000] [--interval 20s] [--rate 5]`:
 * the runner (real Bun process) on a short SYNC_INTERVAL for `--minutes`,
 * while the development SSO changes `--rate` users a second through its SCIM
 * API and sends each change as a signed webhook to a real Deno edge that
 * forwards it to the runner. The runner's resident memory is sampled every
 * second from /proc; the figure is whether it grows run over run: the RSS at
 * the end of each completed full sync, compared between the first and the
 * last third of the soak.
 *
 * At the end: one more full sync, and MongoDB must equal the SSO (no event
 * lost, nobody wrongly deactivated). Merges `soak` into bench/results.json.
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
    minutes: { type: "string", default: "10" },
    users: { type: "string", default: "2000" },
    interval: { type: "string", default: "20s" },
    rate: { type: "string", default: "5" },
  },
});
const MINUTES = Number(values.minutes);
const USERS = Number(values.users);
const RATE = Number(values.rate);
const DB = "bench_soak";

/** Resident set size of a process in MB, from /proc (Linux). */
function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 102.4) / 10;
}
/** Least-squares slope of ys over their index, rounded to 0.01. */
function slope(ys: number[]): number {
  const n = ys.length;
  if (n < 2) return NaN;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, y) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return Math.round((num / den) * 100) / 100;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const world = await startWebhookWorld(USERS, {
  MONGODB_DB: DB,
  SYNC_INTERVAL: values.interval as string,
  SYNC_JITTER: "0",
});
const { mongo, sso, runner } = world;
const CLIENT = world.client;

const client = await new MongoClient(mongo.uri).connect();
const db = client.db(DB);
const samples: { atS: number; rssMB: number }[] = [];
const runEnds: { atS: number; rssMB: number; status: string; ms: number }[] = [];
let changes = 0;
let changeErrors = 0;
let result: Record<string, unknown> = {};

async function token(): Promise<string> {
  const res = await fetch(`${sso.url}/scim/v2/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

try {
  const t0 = performance.now();
  const elapsedS = () => Math.round((performance.now() - t0) / 100) / 10;
  const endAt = t0 + MINUTES * 60_000;
  const auth = {
    Authorization: `Bearer ${await token()}`,
    "Content-Type": "application/scim+json",
  };
  const ids: string[] = [];
  for (let start = 1; ids.length < USERS; start += 1000) {
    const page = (await (await fetch(`${sso.url}/scim/v2/Users?startIndex=${start}&count=1000`, {
      headers: auth,
    })).json()) as { Resources: { id: string }[] };
    if (page.Resources.length === 0) break;
    ids.push(...page.Resources.map((r) => r.id));
  }

  const sampler = setInterval(() => {
    try {
      samples.push({ atS: elapsedS(), rssMB: rssMB(runner.proc.pid) });
    } catch {
      // the runner is gone: the run below reports it
    }
  }, 1000);
  // A run's end, seen from syncHistory: the RSS right after it is the figure compared run over run.
  const seen = new Set<string>();
  const watcher = setInterval(async () => {
    const done = await db.collection("syncHistory").find({ status: { $ne: "running" } })
      .project({ _id: 1, status: 1, startedAt: 1, completedAt: 1 }).toArray().catch(() => []);
    for (const d of done) {
      const key = String(d._id);
      if (seen.has(key)) continue;
      seen.add(key);
      const ms = d.completedAt && d.startedAt
        ? d.completedAt.getTime() - d.startedAt.getTime()
        : NaN;
      runEnds.push({ atS: elapsedS(), rssMB: rssMB(runner.proc.pid), status: d.status, ms });
    }
  }, 1000);

  // Changes through the SSO's SCIM API; the SSO sends each as a webhook.
  let i = 0;
  while (performance.now() < endAt) {
    const tick = performance.now();
    for (let k = 0; k < RATE; k++, i++) {
      const id = ids[(i * 7919) % ids.length] as string;
      const res = await fetch(`${sso.url}/scim/v2/Users/${id}`, {
        method: "PATCH",
        headers: auth,
        body: JSON.stringify({
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{
            op: "replace",
            path: "phoneNumbers",
            value: [{ value: `+62 soak ${i}`, type: "mobile", primary: true }],
          }],
        }),
      });
      if (res.ok) changes++;
      else changeErrors++;
      await res.body?.cancel();
    }
    await Bun.sleep(Math.max(0, 1000 - (performance.now() - tick)));
  }
  clearInterval(sampler);
  clearInterval(watcher);

  // Convergence: let webhooks drain, wait for a scheduled full sync that starts after that,
  // then compare with the SSO.
  await Bun.sleep(5_000);
  const quiet = new Date();
  for (let k = 0; k < 600; k++) {
    const run = await db.collection("syncHistory").findOne({
      status: { $ne: "running" },
      startedAt: { $gt: quiet },
    });
    if (run) break;
    await Bun.sleep(1000);
  }
  const scim = new Map<string, { phone: string; active: boolean }>();
  for (let start = 1;; start += 1000) {
    const page = (await (await fetch(`${sso.url}/scim/v2/Users?startIndex=${start}&count=1000`, {
      headers: auth,
    })).json()) as {
      Resources: {
        id: string;
        active?: boolean;
        phoneNumbers?: { value: string; primary?: boolean }[];
      }[];
    };
    if (page.Resources.length === 0) break;
    for (const r of page.Resources) {
      const phones = r.phoneNumbers ?? [];
      const phone = (phones.find((p) => p.primary) ?? phones[0])?.value ?? "";
      scim.set(r.id, { phone, active: r.active !== false });
    }
  }
  const docs = await db.collection("users").find({}, {
    projection: { ssoUserId: 1, phone: 1, isActive: 1 },
  }).toArray();
  const mismatched = docs.filter((d) => {
    const want = scim.get(d.ssoUserId);
    return !want || want.active !== d.isActive || want.phone !== (d.phone ?? "");
  });
  const applied = await db.collection("webhookEvents").countDocuments({
    status: { $in: ["success", "stale"] },
  });

  const third = (MINUTES * 60) / 3;
  const completed = runEnds.filter((r) => r.status === "success");
  const early = completed.filter((r) => r.atS <= third).map((r) => r.rssMB);
  const late = completed.filter((r) => r.atS >= 2 * third).map((r) => r.rssMB);
  result = {
    command:
      `bun bench/soak.ts --minutes ${MINUTES} --users ${USERS} --interval ${values.interval} --rate ${RATE}`,
    date: new Date().toISOString(),
    minutes: MINUTES,
    users: USERS,
    syncInterval: values.interval,
    changesPerSecond: RATE,
    changesSent: changes,
    changeErrors,
    webhookEventsApplied: applied,
    runs: runEnds.length,
    runsSucceeded: completed.length,
    runsFailed: runEnds.filter((r) => r.status === "failed").map((r) => r.atS),
    medianRunMs: Math.round(median(completed.map((r) => r.ms))),
    rssAfterRunFirstThirdMB: median(early),
    rssAfterRunLastThirdMB: median(late),
    growthLastOverFirst: Math.round((median(late) / median(early)) * 100) / 100,
    // Past the warm-up (the first third), how much each run adds: ~0 when memory is flat.
    slopeMBPerRun: slope(completed.filter((r) => r.atS > third).map((r) => r.rssMB)),
    peakRssMB: Math.max(...samples.map((s) => s.rssMB)),
    rssAfterEachRunMB: completed.map((r) => r.rssMB),
    finalMismatches: mismatched.length,
    finalUsers: docs.length,
    ssoUsers: scim.size,
  };
} finally {
  await client.close();
  await world.stop();
}

console.log(
  [
    `soak ${MINUTES} min, ${USERS} users, a full sync every ${values.interval}, ${RATE} changes/s as webhooks`,
    `  changes sent ${result.changesSent} (errors ${result.changeErrors}); webhook events applied ${result.webhookEventsApplied}`,
    `  runs ${result.runs} (${result.runsSucceeded} succeeded, failed at ${
      JSON.stringify(result.runsFailed)
    } s), median ${result.medianRunMs} ms`,
    `  runner RSS after a run: first third ${result.rssAfterRunFirstThirdMB} MB, last third ${result.rssAfterRunLastThirdMB} MB (×${result.growthLastOverFirst}, ${result.slopeMBPerRun} MB/run after the first third); peak ${result.peakRssMB} MB`,
    `  after a final sync: ${result.finalMismatches} of ${result.finalUsers} documents differ from the SSO (${result.ssoUsers} users)`,
  ].join("\n"),
);
const file = resolve(ROOT, "bench/results.json");
const existing = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
writeFileSync(file, JSON.stringify({ ...existing, soak: result }, null, 2) + "\n");
if (Number(result.finalMismatches) !== 0 || Number(result.growthLastOverFirst) > 1.2) {
  process.exitCode = 1;
}

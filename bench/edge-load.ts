/**
 * `bun bench/edge-load.ts [--seconds 10] [--connections 50]`: the edge under
 * load against a bare HMAC-verifying `Deno.serve` handler, same body, same
 * load tool (autocannon), same run. The edge forwards to a local stub in place
 * of the ingestion API. Prints requests/s and p50/p99 for both and the ratio,
 * and merges them into bench/results.json.
 *
 * Where the edge's time goes: two more servers (bench/edge-variant.ts) sit
 * between the two — the edge's app with a forward that answers at once
 * (`appLocal`: Hono, verification, parsing, zod, mapping) and the bare
 * handler plus the signed HTTP forward (`bareHop`: the hop alone). The four
 * are loaded in turn, `--rounds` times, and the medians reported.
 * `--baseline <dir>` adds that checkout's edge as a fifth (`edgeBaseline`):
 * a before/after of a change in the same run.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../dev/mongo-server.ts";
import { spawnReady } from "../dev/spawn-ready.ts";
import { LOAD_SECRET, loadBody } from "./load-body.ts";

const ROOT = resolve(import.meta.dir, "..");
const DENO = resolve(ROOT, "node_modules/.bin/deno");
const AUTOCANNON = resolve(ROOT, "node_modules/.bin/autocannon");
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    rounds: { type: "string", default: "3" },
    /** Seconds each server is loaded once before the rounds, unmeasured (its JIT warms up). */
    warmup: { type: "string", default: "5" },
    /** Another checkout's edge (its node_modules linked to ours), loaded in the same rounds. */
    baseline: { type: "string" },
  },
});
const ROUNDS = Number(values.rounds);
const SECRET = LOAD_SECRET;
// The 2 KiB signed user.updated both edge benches send.
const { body, signature } = await loadBody();

// The ingestion API's stand-in: stores nothing, answers as the runner does (one event, or a batch).
// It counts what it was sent, so each load reports how many events a forward carried.
const forwarded = { requests: 0 };
const stub = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: async (req) => {
    const sent = (await req.json()) as { events?: { eventId: string }[] };
    forwarded.requests++;
    return sent.events
      ? Response.json({
        results: sent.events.map((e) => ({ eventId: e.eventId, status: "success" })),
      })
      : Response.json({ status: "success" });
  },
});
const edgePort = await freePort();
const edge = await spawnReady([DENO, "run", "--allow-net", "--allow-env", "edge/main.ts"], {
  SCIM_WEBHOOK_SECRET: SECRET,
  INGEST_SECRET: SECRET,
  PORT: String(edgePort),
  LOG_LEVEL: "error",
  OFM_INGEST_URL: `http://127.0.0.1:${stub.port}/api/v1/scim/events`,
}, { name: "edge", cwd: ROOT });
const bare = await spawnReady([DENO, "run", "--allow-net", "--allow-env", "bench/bare-hmac.ts"], {
  SCIM_WEBHOOK_SECRET: SECRET,
  PORT: "0",
}, { name: "bare", cwd: ROOT });
const variant = (name: string) =>
  spawnReady([DENO, "run", "--allow-net", "--allow-env", "bench/edge-variant.ts"], {
    SCIM_WEBHOOK_SECRET: SECRET,
    PORT: "0",
    VARIANT: name,
    OFM_INGEST_URL: `http://127.0.0.1:${stub.port}/api/v1/scim/events`,
  }, { name, cwd: ROOT });
const appLocal = await variant("app-local");
const edgeBaseline = values.baseline
  ? await spawnReady([DENO, "run", "--allow-net", "--allow-env", "edge/main.ts"], {
    SCIM_WEBHOOK_SECRET: SECRET,
    INGEST_SECRET: SECRET,
    PORT: String(await freePort()),
    LOG_LEVEL: "error",
    OFM_INGEST_URL: `http://127.0.0.1:${stub.port}/api/v1/scim/events`,
  }, { name: "edge-baseline", cwd: resolve(values.baseline) })
  : null;
const bareHop = await variant("bare-hop");

/** CPU time (user + system) a process has used, in µs, from /proc (Linux; clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Loads `url` for `seconds`; `pid` is the server whose CPU per request is measured. */
async function load(url: string, pid: number, seconds = values.seconds) {
  const cpu0 = cpuMicros(pid);
  const forwards0 = forwarded.requests;
  const p = Bun.spawn([
    AUTOCANNON,
    "-j",
    "-c",
    values.connections,
    "-d",
    seconds,
    "-m",
    "POST",
    "-H",
    "content-type=application/json",
    "-H",
    `x-scim-signature=${signature}`,
    "-b",
    body,
    url,
  ], { stdout: "pipe", stderr: "ignore" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const cpu = cpuMicros(pid) - cpu0;
  const forwards = forwarded.requests - forwards0;
  const r = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    rps: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    // The server's own CPU per request: what the edge costs, apart from the load tool and the stub.
    cpuMicrosPerRequest: Math.round(cpu / Math.max(1, r.requests.total)),
    // Requests answered per request forwarded (0 for a server that does not forward).
    perForward: forwards ? Math.round(r.requests.total / forwards * 10) / 10 : 0,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

type Load = Awaited<ReturnType<typeof load>>;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const medianLoad = (xs: Load[]) => ({
  rps: median(xs.map((x) => x.rps)),
  p50Ms: median(xs.map((x) => x.p50Ms)),
  p99Ms: median(xs.map((x) => x.p99Ms)),
  cpuMicrosPerRequest: median(xs.map((x) => x.cpuMicrosPerRequest)),
  perForward: median(xs.map((x) => x.perForward)),
  non2xx: xs.reduce((a, x) => a + x.non2xx, 0),
  errors: xs.reduce((a, x) => a + x.errors, 0),
});
const r2 = (x: number) => Math.round(x * 100) / 100;

try {
  const targets = {
    bare: [`${bare.url}/`, bare.proc.pid],
    appLocal: [`${appLocal.url}/api/v1/scim/webhook`, appLocal.proc.pid],
    bareHop: [`${bareHop.url}/`, bareHop.proc.pid],
    edge: [`${edge.url}/api/v1/scim/webhook`, edge.proc.pid],
    ...(edgeBaseline
      ? { edgeBaseline: [`${edgeBaseline.url}/api/v1/scim/webhook`, edgeBaseline.proc.pid] }
      : {}),
  } as const;
  const runs: Record<"bare" | "appLocal" | "bareHop" | "edge" | "edgeBaseline", Load[]> = {
    bare: [],
    appLocal: [],
    bareHop: [],
    edge: [],
    edgeBaseline: [],
  };
  // A cold server's first seconds measure its JIT, not its steady cost; the edge has far
  // more code to compile than the bare handler, so an unwarmed first round read 3.3×.
  if (Number(values.warmup) > 0) {
    for (const [url, pid] of Object.values(targets) as (readonly [string, number])[]) {
      await load(url, pid, values.warmup);
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (
      const [name, [url, pid]] of Object.entries(targets) as [
        keyof typeof runs,
        readonly [string, number],
      ][]
    ) {
      runs[name].push(await load(url, pid));
    }
  }
  const m = {
    bare: medianLoad(runs.bare),
    appLocal: medianLoad(runs.appLocal),
    bareHop: medianLoad(runs.bareHop),
    edge: medianLoad(runs.edge),
  };
  const before = edgeBaseline ? medianLoad(runs.edgeBaseline) : null;
  const figures = {
    command:
      `bun bench/edge-load.ts --seconds ${values.seconds} --connections ${values.connections} --rounds ${ROUNDS} --warmup ${values.warmup}${
        values.baseline ? ` --baseline ${values.baseline}` : ""
      }`,
    date: new Date().toISOString(),
    // The machine is shared: its load averages (1, 5, 15 min) as the run ends.
    load: loadavg().map((x) => Math.round(x * 100) / 100),
    bodyBytes: body.length,
    ...m,
    edgeOverBare: r2(m.edge.rps / m.bare.rps),
    edgeCpuOverBareCpu: r2(m.edge.cpuMicrosPerRequest / m.bare.cpuMicrosPerRequest),
    ...(before
      ? {
        edgeBaseline: before,
        edgeBaselineCpuOverBareCpu: r2(before.cpuMicrosPerRequest / m.bare.cpuMicrosPerRequest),
      }
      : {}),
    // Where the time goes: each step over the one before it (1.0 = free).
    breakdown: {
      appLocalOverBare: r2(m.appLocal.rps / m.bare.rps),
      bareHopOverBare: r2(m.bareHop.rps / m.bare.rps),
      edgeOverAppLocal: r2(m.edge.rps / m.appLocal.rps),
    },
    samples: runs,
  };
  console.log(JSON.stringify({ ...figures, samples: undefined }, null, 2));
  const cpuRatio = figures.edgeCpuOverBareCpu;
  console.log(
    `edge CPU per request ${m.edge.cpuMicrosPerRequest} µs / bare ${m.bare.cpuMicrosPerRequest} µs = ${cpuRatio} ` +
      `(target <= 1.5: ${cpuRatio <= 1.5 ? "✅" : "❌"}; rounds ${
        runs.edge.map((e, i) => r2(e.cpuMicrosPerRequest / runs.bare[i]!.cpuMicrosPerRequest)).join(
          ", ",
        )
      }; load ${figures.load.join(" ")})`,
  );
  const file = resolve(ROOT, "bench/results.json");
  const existing = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  writeFileSync(file, JSON.stringify({ ...existing, edgeLoad: figures }, null, 2) + "\n");
} finally {
  for (const p of [edge, bare, appLocal, bareHop, edgeBaseline]) await p?.stop();
  stub.stop(true);
}

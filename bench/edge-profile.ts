/**
 * `bun bench/edge-profile.ts [--seconds 5] [--top 25]`: where the edge's CPU goes
 * beside the bare HMAC handler's, both under the same autocannon load as
 * bench/edge-load.ts. Each server runs under `deno run --inspect`; V8's
 * sampling profiler (the inspector protocol's Profiler domain) records its one
 * JavaScript thread, on which Deno also runs its HTTP server and `fetch`
 * between calls into Rust (those show as "(program)"). Prints each server's
 * CPU per request from /proc and the profile's self time per request by
 * category (Hono, zod, the webhook code, Deno's runtime, WebCrypto, GC,
 * native) and by function, so the difference between the two is named.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../dev/mongo-server.ts";
import { LOAD_SECRET, loadBody } from "./load-body.ts";

const ROOT = resolve(import.meta.dir, "..");
const DENO = resolve(ROOT, "node_modules/.bin/deno");
const AUTOCANNON = resolve(ROOT, "node_modules/.bin/autocannon");
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    top: { type: "string", default: "25" },
  },
});
const SECRET = LOAD_SECRET;
// The 2 KiB signed user.updated both edge benches send.
const { body, signature } = await loadBody();

/** What reached the ingestion API's stand-in: requests, and events in them. */
const forwarded = { requests: 0, events: 0 };
const stub = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: async (req) => {
    const sent = (await req.json()) as { events?: { eventId: string }[] };
    forwarded.requests++;
    forwarded.events += sent.events?.length ?? 1;
    return sent.events
      ? Response.json({
        results: sent.events.map((e) => ({ eventId: e.eventId, status: "success" })),
      })
      : Response.json({ status: "success" });
  },
});

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A Deno server under the inspector, profiled while autocannon loads it. */
async function profile(name: string, script: string, path: string) {
  const port = await freePort();
  const inspect = await freePort();
  const proc = Bun.spawn([
    DENO,
    "run",
    `--inspect=127.0.0.1:${inspect}`,
    "--allow-net",
    "--allow-env",
    script,
  ], {
    cwd: ROOT,
    env: {
      ...process.env,
      SCIM_WEBHOOK_SECRET: SECRET,
      INGEST_SECRET: SECRET,
      PORT: String(port),
      LOG_LEVEL: "error",
      OFM_INGEST_URL: `http://127.0.0.1:${stub.port}/api/v1/scim/events`,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    await waitForLine(proc.stdout, /^ready /);
    const url = `http://127.0.0.1:${port}${path}`;
    await load(url, 2); // warm-up: the JIT, the connections
    const targets = await (await fetch(`http://127.0.0.1:${inspect}/json/list`)).json() as {
      webSocketDebuggerUrl: string;
    }[];
    const ws = await inspector(targets[0]!.webSocketDebuggerUrl);
    await ws.send("Profiler.enable");
    await ws.send("Profiler.setSamplingInterval", { interval: 100 });
    const cpu0 = cpuMicros(proc.pid);
    const sent0 = { ...forwarded };
    await ws.send("Profiler.start");
    const total = await load(url, Number(values.seconds));
    const { profile } = await ws.send("Profiler.stop") as { profile: Profile };
    const cpu = cpuMicros(proc.pid) - cpu0;
    ws.close();
    const hop = {
      requests: forwarded.requests - sent0.requests,
      events: forwarded.events - sent0.events,
    };
    return { name, requests: total, cpuPerRequest: cpu / total, profile, hop };
  } finally {
    proc.kill();
    await proc.exited;
  }
}

async function waitForLine(stream: ReadableStream<Uint8Array>, pattern: RegExp) {
  const reader = stream.getReader();
  let text = "";
  while (!text.split("\n").some((l) => pattern.test(l))) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`exited before ${pattern}: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
}

/** A minimal inspector client: one call at a time, awaiting its answer. */
async function inspector(url: string) {
  const ws = new WebSocket(url);
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = fail;
  });
  let seq = 0;
  const pending = new Map<number, (r: unknown) => void>();
  ws.onmessage = (m) => {
    const msg = JSON.parse(String(m.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  };
  return {
    send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
      const id = ++seq;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((ok) => pending.set(id, ok));
    },
    close: () => ws.close(),
  };
}

/** Requests answered in `seconds` of autocannon load. */
async function load(url: string, seconds: number): Promise<number> {
  const p = Bun.spawn([
    AUTOCANNON,
    "-j",
    "-c",
    values.connections,
    "-d",
    String(seconds),
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
  const out = JSON.parse(await new Response(p.stdout).text()) as { requests: { total: number } };
  await p.exited;
  return out.requests.total;
}

function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** What a frame is, for the breakdown. */
function category(frame: ProfileNode["callFrame"]): string {
  const { functionName: f, url } = frame;
  if (f === "(garbage collector)") return "GC";
  if (f === "(program)" || f === "(idle)") return f === "(idle)" ? "idle" : "native (Rust, ops)";
  if (/\/hono\//.test(url)) return "Hono";
  if (/\/zod\//.test(url)) return "zod";
  if (/shared\/webhook\/|shared\/event-mapping|shared\/mapping|shared\/webhook-event/.test(url)) {
    return "webhook code";
  }
  if (/shared\/signature/.test(url)) return "signature (our JS)";
  if (/^ext:deno_crypto|crypto/.test(url)) return "WebCrypto";
  if (/^ext:deno_fetch|ext:deno_http|ext:deno_net|ext:deno_web/.test(url)) {
    return "Deno runtime (http, fetch, streams)";
  }
  if (url === "") return f ? "builtins" : "native (Rust, ops)";
  if (/^ext:|^node:/.test(url)) return "Deno runtime (other)";
  return "other JS";
}

/** Self time per request (µs) by category and by function. */
function breakdown(p: Profile, requests: number) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const cat = category(frame);
    if (cat === "idle") continue;
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    const where = frame.url.replace(/^.*\/(node_modules|work\/wt\/[^/]+)\//, "");
    const key = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const per = (m: Map<string, number>) =>
    [...m].map(([k, us]) => [k, Math.round((us / requests) * 10) / 10] as const).sort((a, b) =>
      b[1] - a[1]
    );
  return { categories: per(cats), functions: per(fns) };
}

try {
  const runs = [
    await profile("bare", "bench/bare-hmac.ts", "/"),
    await profile("edge", "edge/main.ts", "/api/v1/scim/webhook"),
  ];
  for (const r of runs) {
    const b = breakdown(r.profile, r.requests);
    console.log(
      `\n${r.name}: ${r.requests} requests, ${Math.round(r.cpuPerRequest)} µs of process CPU each` +
        (r.hop.requests > 0
          ? `; forwarded ${r.hop.events} events in ${r.hop.requests} requests (${
            Math.round((r.hop.events / r.hop.requests) * 10) / 10
          } a request)`
          : ""),
    );
    console.log("  JS thread, µs per request by category:");
    for (const [k, v] of b.categories) console.log(`    ${String(v).padStart(6)}  ${k}`);
    console.log(`  top ${values.top} functions (self µs per request):`);
    for (const [k, v] of b.functions.slice(0, Number(values.top))) {
      console.log(`    ${String(v).padStart(6)}  ${k}`);
    }
  }
} finally {
  stub.stop(true);
}

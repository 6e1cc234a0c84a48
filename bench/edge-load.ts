/**
 * `bun bench/edge-load.ts [--seconds 10] [--connections 50]`: the edge under
 * load against a bare HMAC-verifying `Deno.serve` handler, same body, same
 * load tool (autocannon), same run. The edge forwards to a local stub in place
 * of the ingestion API. Prints requests/s and p50/p99 for both and the ratio,
 * and merges them into bench/results.json.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../dev/mongo-server.ts";
import { spawnReady } from "../dev/spawn-ready.ts";
import { signScimBody } from "../shared/signature.ts";

const ROOT = resolve(import.meta.dir, "..");
const DENO = resolve(ROOT, "node_modules/.bin/deno");
const AUTOCANNON = resolve(ROOT, "node_modules/.bin/autocannon");
const { values } = parseArgs({ args: process.argv.slice(2), options: { seconds: { type: "string", default: "10" }, connections: { type: "string", default: "50" } } });
const SECRET = "edge-load-secret-0123456789abcdef";

// A 2 KiB signed body: a user.updated with a padded display name.
const envelope = {
  id: "load-1", event: "user.updated", resourceType: "User", resourceId: "u-load",
  data: { id: "u-load", userName: "load@ias.co.id", active: true, displayName: "" },
};
envelope.data.displayName = "x".repeat(2048 - JSON.stringify(envelope).length);
const body = JSON.stringify(envelope);
const signature = await signScimBody(SECRET, body);

const stub = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json({ status: "success" }) });
const edgePort = await freePort();
const edge = await spawnReady([DENO, "run", "--allow-net", "--allow-env", "edge/main.ts"], {
  SCIM_WEBHOOK_SECRET: SECRET, INGEST_SECRET: SECRET, PORT: String(edgePort), LOG_LEVEL: "error",
  OFM_INGEST_URL: `http://127.0.0.1:${stub.port}/api/v1/scim/events`,
}, { name: "edge", cwd: ROOT });
const bare = await spawnReady([DENO, "run", "--allow-net", "--allow-env", "bench/bare-hmac.ts"], {
  SCIM_WEBHOOK_SECRET: SECRET, PORT: "0",
}, { name: "bare", cwd: ROOT });

async function load(url: string) {
  const p = Bun.spawn([AUTOCANNON, "-j", "-c", values.connections, "-d", values.seconds, "-m", "POST",
    "-H", "content-type=application/json", "-H", `x-scim-signature=${signature}`, "-b", body, url], { stdout: "pipe", stderr: "ignore" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  return { rps: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

try {
  const edgeResult = await load(`${edge.url}/api/v1/scim/webhook`);
  const bareResult = await load(`${bare.url}/`);
  const figures = {
    command: `bun bench/edge-load.ts --seconds ${values.seconds} --connections ${values.connections}`,
    date: new Date().toISOString(),
    bodyBytes: body.length,
    edge: edgeResult,
    bare: bareResult,
    edgeOverBare: Math.round((edgeResult.rps / bareResult.rps) * 100) / 100,
  };
  console.log(JSON.stringify(figures, null, 2));
  const file = resolve(ROOT, "bench/results.json");
  const existing = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  writeFileSync(file, JSON.stringify({ ...existing, edgeLoad: figures }, null, 2) + "\n");
} finally {
  await edge.stop();
  await bare.stop();
  stub.stop(true);
}

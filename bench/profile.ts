/**
 * `bun bench/profile.ts [--users 10000]`: where a full sync's CPU goes. Runs
 * the initial sync and the no-op resync (bench/step.ts, each in its own
 * process) under Bun's sampling profiler (`--cpu-prof-md`), then sums self
 * time by file into what the work is: fetching and parsing pages, zod,
 * mapping, hashing, diffing, the MongoDB driver, the rest. Wall time not on
 * the CPU (waiting for the SSO or the database) is the difference to the
 * run's duration. Merges `profile` into bench/results.json and prints a table.
 *
 * @module
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startMongoServer } from "../dev/mongo-server.ts";
import { spawnReady } from "../dev/spawn-ready.ts";

const ROOT = resolve(import.meta.dir, "..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { users: { type: "string", default: "10000" } },
});
const N = Number(values.users);

/** What a file's self time counts as; the first matching rule wins. */
const CATEGORIES: [string, RegExp][] = [
  ["zod (SCIM schemas)", /node_modules\/zod\//],
  ["mapping", /shared\/(mapping|extensions|scim-schemas|ofm-documents)\.ts/],
  ["hashing", /runner\/content-hash\.ts|node:crypto|crypto/],
  ["diff and pass", /runner\/sync\//],
  ["MongoDB driver and BSON", /node_modules\/(mongodb|bson)\//],
  ["SSO client (HTTP, JSON)", /runner\/scim\/|fetch|JSON|node:http|undici/i],
];

/** Self time in ms by category, from the profile's "Files" table. */
function categorize(md: string): { totalMs: number; byCategory: Record<string, number> } {
  const files = md.split("## Files")[1] ?? "";
  const byCategory: Record<string, number> = {};
  let totalMs = 0;
  for (const line of files.split("\n")) {
    const m = /^\|\s*[\d.]+%\s*\|\s*([\d.]+)(us|ms|s)\s*\|\s*`([^`]*)`/.exec(line);
    if (!m) continue;
    const ms = Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
    totalMs += ms;
    const name = CATEGORIES.find(([, re]) => re.test(m[3] ?? ""))?.[0] ?? "other (runtime, GC, unattributed)";
    byCategory[name] = (byCategory[name] ?? 0) + ms;
  }
  return { totalMs, byCategory };
}

const mongo = await startMongoServer();
const sso = await spawnReady([BUN, "dev/sso/main.ts"], {
  SSO_PORT: "0",
  DEV_SSO_USERS: String(N),
  DEV_SSO_MAX_RESULTS: "1000",
  SCIM_CLIENT_ID: "bench",
  SCIM_CLIENT_SECRET: "bench-secret",
}, { name: "sso", cwd: ROOT, timeoutMs: 120_000 });
const env = {
  ...process.env,
  SSO_BASE_URL: sso.url,
  SCIM_CLIENT_ID: "bench",
  SCIM_CLIENT_SECRET: "bench-secret",
  MONGODB_URI: mongo.uri,
  MONGODB_DB: "bench_profile",
  SCIM_RATE_LIMIT: "100000",
  LOG_LEVEL: "error",
};
const out: Record<string, unknown> = {};
try {
  for (const run of ["initial", "noop"] as const) {
    const dir = mkdtempSync(join(tmpdir(), "scim-prof-"));
    const p = Bun.spawn([BUN, "--cpu-prof-md", `--cpu-prof-dir=${dir}`, "bench/step.ts", "ours"], {
      cwd: ROOT,
      env,
      stdout: "pipe",
      stderr: "inherit",
    });
    const text = await new Response(p.stdout).text();
    if ((await p.exited) !== 0) throw new Error(`step failed: ${text}`);
    const step = JSON.parse(text.trim().split("\n").at(-1) ?? "{}") as { ms: number; writes: number };
    const md = readdirSync(dir).find((f) => f.endsWith(".md"));
    const { totalMs, byCategory } = categorize(readFileSync(join(dir, md ?? ""), "utf8"));
    rmSync(dir, { recursive: true, force: true });
    out[run] = {
      wallMs: Math.round(step.ms),
      writes: step.writes,
      cpuMs: Math.round(totalMs),
      selfMsByCategory: Object.fromEntries(
        Object.entries(byCategory).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v)]),
      ),
    };
  }
} finally {
  await sso.stop();
  await mongo.stop();
}

const figures = { command: `bun bench/profile.ts --users ${N}`, date: new Date().toISOString(), users: N, ...out };
console.log(JSON.stringify(figures, null, 2));
const file = resolve(ROOT, "bench/results.json");
const existing = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
writeFileSync(file, JSON.stringify({ ...existing, profile: figures }, null, 2) + "\n");

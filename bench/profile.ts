/**
 * `bun bench/profile.ts [--users 10000]`: where a full sync's CPU goes. Runs
 * the initial sync and the no-op resync (bench/step.ts, each in its own
 * process) under Bun's sampling profiler (`--cpu-prof-md`), then sums each
 * function's self time into what the work is, by its file (zod, mapping,
 * hashing, diffing, the MongoDB driver) or, for built-ins, by name
 * (JSON.parse, fetch). The whole process is sampled, start-up included. Wall time not on
 * the CPU (waiting for the SSO or the database) is the difference to the
 * run's duration. Merges `profile` into bench/results.json and prints a table.
 *
 * @module
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BUN, ROOT, startBenchWorld } from "./bench-world.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { users: { type: "string", default: "10000" } },
});
const N = Number(values.users);

/** What a function's self time counts as, by its file; the first matching rule wins. */
const BY_FILE: [string, RegExp][] = [
  ["zod (SCIM schemas)", /node_modules\/zod\//],
  ["mapping", /shared\/(mapping|extensions|scim-schemas|ofm-documents)\.ts/],
  ["hashing", /runner\/content-hash\.ts/],
  ["diff and pass", /runner\/sync\//],
  ["index walk and packed index", /runner\/store\/(index-row|packed-index)\.ts/],
  [
    "MongoDB driver, BSON, socket streams",
    /node_modules\/(mongodb|bson)\/|internal:streams|node:net/,
  ],
  ["SSO client (HTTP)", /runner\/scim\//],
];
/** Built-ins, by their name. */
const NATIVE: [string, RegExp][] = [
  ["JSON.parse", /^parse$/],
  ["SSO client (HTTP)", /^fetch$/],
  ["hashing", /^(update|digest)$/],
];

/** Self time in ms by category, from the profile's "Hot Functions" table. */
function categorize(md: string): { totalMs: number; byCategory: Record<string, number> } {
  const hot = md.split("## Hot Functions")[1]?.split("## Call Tree")[0] ?? "";
  const byCategory: Record<string, number> = {};
  let totalMs = 0;
  for (const line of hot.split("\n")) {
    const m =
      /^\|\s*[\d.]+%\s*\|\s*([\d.]+)(us|ms|s)\s*\|[^|]*\|[^|]*\|\s*`([^`]*)`\s*\|\s*`([^`]*)`/.exec(
        line,
      );
    if (!m) continue;
    const ms = Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
    const [fn, where] = [m[3] ?? "", m[4] ?? ""];
    totalMs += ms;
    // The socket's data handler is where the profiler lands while the process waits for a reply.
    const name = fn === "data" && where.startsWith("node:net")
      ? "waiting for database replies (node:net data handler)"
      : where === "[native code]"
      ? NATIVE.find(([, re]) => re.test(fn))?.[0] ?? "built-ins, unattributed (Array, String, GC)"
      : BY_FILE.find(([, re]) => re.test(where))?.[0] ?? "other JavaScript (runtime, start-up)";
    byCategory[name] = (byCategory[name] ?? 0) + ms;
  }
  return { totalMs, byCategory };
}

const world = await startBenchWorld(N);
const env = { ...process.env, ...world.env, MONGODB_DB: "bench_profile" };
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
    const step = JSON.parse(text.trim().split("\n").at(-1) ?? "{}") as {
      ms: number;
      cpuMs: number;
      writes: number;
    };
    const md = readdirSync(dir).find((f) => f.endsWith(".md"));
    const { totalMs, byCategory } = categorize(readFileSync(join(dir, md ?? ""), "utf8"));
    if (!process.env.KEEP_PROFILE) rmSync(dir, { recursive: true, force: true });
    else console.error(`profile kept in ${dir}`);
    out[run] = {
      wallMs: Math.round(step.ms),
      // Measured with process.cpuUsage() around the sync alone.
      processCpuMs: Math.round(step.cpuMs),
      writes: step.writes,
      sampledMs: Math.round(totalMs),
      selfMsByCategory: Object.fromEntries(
        Object.entries(byCategory).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v)]),
      ),
    };
  }
} finally {
  await world.stop();
}

const figures = {
  command: `bun bench/profile.ts --users ${N}`,
  date: new Date().toISOString(),
  users: N,
  ...out,
};
console.log(JSON.stringify(figures, null, 2));
const file = resolve(ROOT, "bench/results.json");
const existing = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
writeFileSync(file, JSON.stringify({ ...existing, profile: figures }, null, 2) + "\n");

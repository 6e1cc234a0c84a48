/**
 * `bun bench/variants.ts --users N --variant name:K=V,K=V --variant other:…`:
 * two or more ways of the same sync measured in one run, interleaved, on the
 * same database and SSO (ratios, since absolute times on a shared machine are
 * noise). Each variant gets its own database: an initial sync, then `--repeat`
 * no-op resyncs, every step in its own process (bench/step.ts) with the
 * variant's environment on top of the runner's (`BENCH_ROOT=<dir>` runs another
 * checkout's code, for a before/after of a change). Prints per variant the median
 * initial and no-op time, the no-op's CPU per user and the peak RSS.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BUN, ROOT, startBenchWorld } from "./bench-world.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    users: { type: "string", default: "100000" },
    repeat: { type: "string", default: "2" },
    variant: { type: "string", multiple: true, default: ["base:"] },
    /** mongo-java-server's heap: each variant holds its own organisation (8g a million). */
    "java-heap": { type: "string" },
  },
});
const N = Number(values.users);
const REPEAT = Number(values.repeat);
const variants = (values.variant ?? []).map((v) => {
  const [name, env = ""] = v.split(/:(.*)/s);
  const pairs = env.split(",").filter(Boolean).map((kv) => kv.split(/=(.*)/s) as [string, string]);
  return { name: name ?? v, env: Object.fromEntries(pairs) };
});

interface Step {
  ms: number;
  cpuMs: number;
  writes: number;
  maxRssMB: number;
}

const world = await startBenchWorld(N, {}, undefined, values["java-heap"]);
async function step(db: string, env: Record<string, string>): Promise<Step> {
  // BENCH_BUN_FLAGS: flags for Bun itself (say `--smol`), a runtime setting as a variant.
  const flags = (env.BENCH_BUN_FLAGS ?? "").split(" ").filter(Boolean);
  const p = Bun.spawn([BUN, ...flags, "bench/step.ts", "ours"], {
    // BENCH_ROOT: another checkout (say, of HEAD) as a variant, for a before/after of code.
    cwd: env.BENCH_ROOT ?? ROOT,
    env: { ...process.env, ...world.env, ...env, MONGODB_DB: db },
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`step failed: ${out}`);
  const s = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Step & { status: string };
  if (s.status !== "success") throw new Error(`step ${db}: ${out}`);
  // As it comes: a variant that fails later does not take the others' figures with it.
  console.error(`${db}: ${Math.round(s.ms)} ms, cpu ${Math.round(s.cpuMs)} ms, ${s.maxRssMB} MB`);
  return s;
}

const rows: Record<string, { initial: Step[]; noop: Step[] }> = {};
try {
  for (const v of variants) {
    rows[v.name] = { initial: [await step(`var_${v.name}`, v.env)], noop: [] };
  }
  for (let r = 0; r < REPEAT; r++) {
    for (const v of variants) {
      const s = await step(`var_${v.name}`, v.env);
      if (s.writes !== 0) throw new Error(`${v.name}: a no-op wrote ${s.writes}`);
      rows[v.name]!.noop.push(s);
    }
  }
} finally {
  await world.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`${N} users, ${REPEAT} no-ops per variant (medians)`);
console.log(
  "variant          initial ms  initial cpu µs/user  no-op ms  no-op cpu µs/user  peak RSS MB",
);
for (const [name, { initial, noop }] of Object.entries(rows)) {
  const i = initial[0]!;
  console.log(
    `${name.padEnd(16)} ${String(Math.round(i.ms)).padStart(10)}  ${
      String(Math.round((i.cpuMs * 1000) / N)).padStart(19)
    }  ${String(Math.round(median(noop.map((s) => s.ms)))).padStart(8)}  ${
      String(Math.round(median(noop.map((s) => (s.cpuMs * 1000) / N)))).padStart(17)
    }  ${String(Math.max(i.maxRssMB, ...noop.map((s) => s.maxRssMB))).padStart(11)}`,
  );
}

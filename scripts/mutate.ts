/**
 * `npm run mutate -- <source> --tests <fragment>[,<fragment>…]`: a mutation check of one
 * module. Each mutant of scripts/mutate-operators.ts (a flipped comparison, a boundary
 * moved, a constant off by one, a removed `await` …) is written into the source in
 * place, the chosen test files run under `bun test` (one MongoDB-wire server for all,
 * as `npm test` provides), and the source is put back. A mutant no test notices
 * *survives*: it is listed, and the exit code is 1 when any did, so each is either
 * killed by a new test or explained (README, "Testing").
 *
 * StrykerJS is not used: it has no Bun test runner (stryker-js issue #4439 is open;
 * its command runner would run the whole suite per mutant).
 *
 * Options: `--tests` (required) fragments of test file paths under tests/, as
 * `npm test` takes them; `--timeout 90s` per mutant (default: 3x the clean run plus
 * 10 s; a mutant that outlives it counts as killed, by a hang); `--only 3,7` mutant ids;
 * `--list` prints the mutants without running anything. The source's original is kept
 * in .cache/mutate/ until it is restored, and restored on the next start if a run was
 * killed.
 *
 * @example
 * // shell: npm run mutate -- runner/sync/diff.ts --tests sync/diff,sync/sync-engine
 * // shell: npm run mutate -- runner/purge/purge-rules.ts --tests purge/ --list
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { type MongoServer, startMongoServer } from "../dev/mongo-server.ts";
import { formatDuration, parseDuration } from "../shared/duration.ts";
import { applyMutant, describeMutant, type Mutant, mutantsOf } from "./mutate-operators.ts";

const ROOT = resolve(import.meta.dir, "..");
const CACHE = join(ROOT, ".cache", "mutate");

interface Options {
  source: string;
  tests: string[];
  timeoutMs: number | null;
  only: Set<number> | null;
  list: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { source: "", tests: [], timeoutMs: null, only: null, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") continue;
    if (a === "--tests") o.tests = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--timeout") o.timeoutMs = parseDuration(argv[++i] ?? "");
    else if (a === "--only") o.only = new Set((argv[++i] ?? "").split(",").map(Number));
    else if (a === "--list") o.list = true;
    else if (!a.startsWith("-") && o.source === "") o.source = a;
    else throw new RangeError(`mutate: unknown argument ${a}`);
  }
  if (o.source === "" || !existsSync(resolve(ROOT, o.source))) {
    throw new RangeError(`mutate: name a source file that exists (got "${o.source}")`);
  }
  if (!o.list && o.tests.length === 0) throw new RangeError("mutate: --tests <fragment> is needed");
  return o;
}

/** The test files under tests/ whose path contains one of the fragments. */
function testFiles(fragments: string[]): string[] {
  return readdirSync(join(ROOT, "tests"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `./tests/${f}`)
    .filter((f) => fragments.some((x) => f.includes(x)))
    .sort();
}

/** One `bun test` of the files: passed, failed, or killed at the timeout (a hang). */
async function runTests(files: string[], env: Record<string, string | undefined>, ms: number) {
  const started = performance.now();
  const proc = Bun.spawn(["bun", "test", "--timeout", "60000", "--bail", ...files], {
    cwd: ROOT,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      proc.kill("SIGKILL");
    }
  }, ms);
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(timer);
  try {
    process.kill(-proc.pid, "SIGKILL"); // what the tests left behind
  } catch { /* gone already */ }
  const failed = `${out}\n${err}`.split("\n").find((l) => /^(\(fail\)|✗) /.test(l));
  return { code, timedOut, failed, seconds: (performance.now() - started) / 1000 };
}

/** Puts back a source a killed run left mutated, from its backup. */
function restoreLeftover(backup: string, path: string): void {
  if (!existsSync(backup)) return;
  console.warn(`mutate: restoring ${relative(ROOT, path)} from a run that did not finish`);
  writeFileSync(path, readFileSync(backup));
  rmSync(backup);
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const path = resolve(ROOT, o.source);
  const rel = relative(ROOT, path);
  const backup = join(CACHE, "backup", rel);
  restoreLeftover(backup, path);
  const original = readFileSync(path, "utf8");
  const all = mutantsOf(rel, original);
  const mutants = all.filter((m) => o.only === null || o.only.has(m.id));
  if (o.list) {
    for (const m of mutants) console.log(`${String(m.id).padStart(3)} ${describeMutant(rel, m)}`);
    console.log(`${mutants.length} mutants`);
    return 0;
  }
  const files = testFiles(o.tests);
  if (files.length === 0) throw new RangeError(`mutate: no test file matches ${o.tests.join(",")}`);
  let server: MongoServer | undefined;
  const restore = () => {
    writeFileSync(path, original);
    rmSync(backup, { force: true });
  };
  const onSignal = () => {
    restore();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    server = await startMongoServer();
    const env = {
      ...process.env,
      MONGODB_URI: server.uri,
      NO_COLOR: "1",
      PATH: [join(ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter),
    };
    console.log(`mutate: ${rel}, ${mutants.length} mutants, tests: ${files.join(" ")}`);
    const clean = await runTests(files, env, 30 * 60_000);
    if (clean.code !== 0) {
      console.error(`mutate: the tests fail without any mutant (${clean.failed ?? "no summary"})`);
      return 2;
    }
    const timeoutMs = o.timeoutMs ?? Math.round(clean.seconds * 3_000 + 10_000);
    console.log(
      `mutate: clean run ${clean.seconds.toFixed(1)} s; ${formatDuration(timeoutMs)} per mutant`,
    );
    mkdirSync(dirname(backup), { recursive: true });
    writeFileSync(backup, original);
    const results: { mutant: Mutant; status: "killed" | "survived" | "timeout"; by?: string }[] =
      [];
    for (const m of mutants) {
      writeFileSync(path, applyMutant(original, m));
      const r = await runTests(files, env, timeoutMs);
      writeFileSync(path, original);
      const status = r.timedOut ? "timeout" : r.code === 0 ? "survived" : "killed";
      results.push({ mutant: m, status, by: r.failed });
      console.log(
        `${String(m.id).padStart(3)}/${all.length} ${describeMutant(rel, m)}: ${status}` +
          `${status === "killed" && r.failed ? ` by ${r.failed.replace(/^\S+ /, "")}` : ""}` +
          ` (${r.seconds.toFixed(1)} s)`,
      );
    }
    return report(rel, results);
  } finally {
    restore();
    await server?.stop();
  }
}

function report(
  rel: string,
  results: { mutant: Mutant; status: "killed" | "survived" | "timeout"; by?: string }[],
): number {
  const survivors = results.filter((r) => r.status === "survived");
  const killed = results.length - survivors.length;
  mkdirSync(CACHE, { recursive: true });
  const json = join(CACHE, `${rel.replaceAll("/", "_")}.json`);
  writeFileSync(json, JSON.stringify(results, null, 2));
  console.log(
    `\nmutate: ${rel}: ${killed} of ${results.length} killed, ${survivors.length} survived`,
  );
  for (const s of survivors) console.log(`  survived: ${describeMutant(rel, s.mutant)}`);
  console.log(`mutate: report in ${relative(ROOT, json)}`);
  return survivors.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  try {
    process.exit(await main());
  } catch (error) {
    console.error(error instanceof RangeError ? error.message : (error as Error).stack);
    process.exit(2);
  }
}

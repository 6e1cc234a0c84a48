/**
 * `npm test`: starts one MongoDB-wire server (dev/mongo-server.ts), exports its
 * `MONGODB_URI` to the children (each test file uses its own database names), then
 * runs the groups one after another with their output streamed:
 *
 *   gate         bun scripts/gate.ts: deno fmt --check, tsc --noEmit, deno check
 *   runner       bun test --timeout 60000 tests/runner tests/dev tests/scripts (bun:test)
 *   shared-bun   bun test tests/shared tests/edge          (node:test under Bun)
 *   shared-deno  deno test --allow-… tests/shared tests/edge (the same tests under Deno)
 *   fuzz         bun scripts/fuzz.ts: schemathesis against the live runner and edge
 *
 * Its last line is exactly `N passed, N failed, N skipped` (CI reads it), summed over the
 * groups; a test of tests/shared and tests/edge counts once per runtime. Above it: each
 * group's counts, every skipped test by name with the reason its name gives
 * (tests/runner/support/tools.ts), and every failed test by name. A group fails, named,
 * when it crashes (a non-zero exit with no failed test), prints no summary, runs no
 * test, or outlives its timeout (its whole process group is killed; the last file and
 * result it printed are shown). With `CI` set, a skip for want of a tool `.ci/run`
 * installs (Chromium, promtool, schemathesis, Java, Maven, Go) is a failure. The exit
 * code is non-zero when anything failed.
 *
 * Arguments (after `npm test --`): group names select groups; `-t PATTERN` filters test
 * names (`--filter` for Deno); other words keep only the test files whose path contains
 * one of them; any other flag is passed to the runners verbatim.
 *
 * Environment: `TEST_GROUP_TIMEOUT` — one duration for every group (`20m`), or
 * per group (`runner=40m,fuzz=30m`); defaults in {@link GROUPS}.
 *
 * @example
 * // shell: npm test -- runner              only the runner group
 * // shell: npm test -- shared-deno mapping  Deno, files whose path contains "mapping"
 * // shell: npm test -- -t "retries"         every group, tests named *retries*
 * // shell: TEST_GROUP_TIMEOUT=5m npm test -- runner daemon
 */
import { readdirSync } from "node:fs";
import { delimiter, join, relative, resolve } from "node:path";
import type { Subprocess } from "bun";
import {
  chooseLocalKind,
  ensureLauncher,
  type MongoServer,
  startMongoServer,
} from "../dev/mongo-server.ts";
import { formatDuration, parseDuration } from "../shared/duration.ts";
import {
  CI_TOOLS,
  type GroupOutput,
  parseGroupOutput,
  type Skip,
  type TestRef,
} from "./test-output.ts";

const ROOT = resolve(import.meta.dir, "..");
const BIN = join(ROOT, "node_modules", ".bin");
const DENO_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-run",
  "--allow-write",
  "--allow-sys",
];
const MIN = 60_000;

type GroupName = "gate" | "runner" | "shared-bun" | "shared-deno" | "fuzz";
interface Group {
  name: GroupName;
  runtime: "bun" | "deno";
  dirs: string[];
  /** Generous: several times the group's time on a loaded two-core machine. */
  timeoutMs: number;
  command: (files: string[], nameFilter: string | undefined, extra: string[]) => string[];
}

const GROUPS: Group[] = [
  {
    name: "gate",
    runtime: "bun",
    dirs: [],
    timeoutMs: 10 * MIN,
    command: () => ["bun", "scripts/gate.ts"],
  },
  {
    name: "runner",
    runtime: "bun",
    dirs: ["tests/runner", "tests/dev", "tests/scripts"],
    timeoutMs: 30 * MIN,
    command: (
      files,
      t,
      extra,
    ) => ["bun", "test", "--timeout", "60000", ...nameArgs("-t", t), ...extra, ...files],
  },
  {
    name: "shared-bun",
    runtime: "bun",
    dirs: ["tests/shared", "tests/edge"],
    timeoutMs: 10 * MIN,
    command: (files, t, extra) => ["bun", "test", ...nameArgs("-t", t), ...extra, ...files],
  },
  {
    name: "shared-deno",
    runtime: "deno",
    dirs: ["tests/shared", "tests/edge"],
    timeoutMs: 10 * MIN,
    command: (
      files,
      t,
      extra,
    ) => ["deno", "test", ...DENO_PERMISSIONS, ...nameArgs("--filter", t), ...extra, ...files],
  },
  {
    name: "fuzz",
    runtime: "bun",
    dirs: [],
    timeoutMs: 20 * MIN,
    command: () => ["bun", "scripts/fuzz.ts"],
  },
];

/** Groups that are one script, not test files: they run whatever path filters say. */
const SCRIPT_GROUPS = new Set<GroupName>(["gate", "fuzz"]);

interface SuiteResult extends GroupOutput {
  name: GroupName;
  files: number;
  code: number;
  seconds: number;
  /** Why the group failed beyond its failed tests (crash, hang, no summary, CI skip). */
  notes: string[];
}

function nameArgs(flag: string, pattern: string | undefined): string[] {
  return pattern === undefined ? [] : [flag, pattern];
}

interface Args {
  groups: Set<GroupName>;
  pathFilters: string[];
  nameFilter?: string;
  extra: string[];
}

function parseArgs(argv: string[]): Args {
  const names = new Set<string>(GROUPS.map((g) => g.name));
  const args: Args = { groups: new Set(), pathFilters: [], extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") continue;
    if (arg === "-t" || arg === "--test-name-pattern" || arg === "--filter") {
      args.nameFilter = argv[++i];
    } else if (arg.startsWith("-")) {
      args.extra.push(arg);
    } else if (names.has(arg)) {
      args.groups.add(arg as GroupName);
    } else {
      args.pathFilters.push(arg);
    }
  }
  if (args.groups.size === 0) { for (const g of GROUPS) args.groups.add(g.name); }
  return args;
}

/**
 * Each group's timeout, from `TEST_GROUP_TIMEOUT` over the defaults.
 *
 * @throws {RangeError} naming TEST_GROUP_TIMEOUT when a part is not `[group=]duration`
 */
function groupTimeouts(value: string | undefined): Map<GroupName, number> {
  const out = new Map(GROUPS.map((g) => [g.name, g.timeoutMs] as const));
  for (const part of (value ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
    const [name, text] = part.includes("=") ? part.split("=", 2) : [undefined, part];
    const ms = parseDuration(text ?? "");
    if (ms === null || ms <= 0 || (name !== undefined && !out.has(name as GroupName))) {
      throw new RangeError(
        `TEST_GROUP_TIMEOUT=${value}: "${part}" is not a duration (20m) or group=duration (runner=40m)`,
      );
    }
    for (const g of GROUPS) if (name === undefined || name === g.name) out.set(g.name, ms);
  }
  return out;
}

/** The *.test.ts files under dirs, relative and prefixed with ./ (bun treats bare words as filters). */
function testFiles(dirs: string[], pathFilters: string[]): string[] {
  const files: string[] = [];
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" });
    } catch {
      continue; // folder not created yet
    }
    for (const entry of entries) {
      if (!entry.endsWith(".test.ts") || entry.split("/").includes("node_modules")) continue;
      const path = `./${relative(ROOT, join(ROOT, dir, entry))}`;
      if (pathFilters.length === 0 || pathFilters.some((f) => path.includes(f))) files.push(path);
    }
  }
  return files.sort();
}

let current: Subprocess | undefined;

/** Signals the current group's whole process group (it runs detached, as its own group). */
function signalGroup(proc: Subprocess, signal: NodeJS.Signals): void {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    proc.kill(signal); // the group is gone already, or never formed
  }
}

/**
 * Runs one command with its output streamed through; its exit code, its output, and
 * whether it outlived `timeoutMs` (then SIGTERM to its process group, SIGKILL 10 s on).
 */
async function runStreaming(
  cmd: string[],
  env: Record<string, string | undefined>,
  timeoutMs: number,
) {
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  current = proc;
  let output = "";
  const tee = async (stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sink.write(value);
      output += decoder.decode(value, { stream: true });
    }
  };
  let timedOut = false;
  let kill: ReturnType<typeof setTimeout> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    console.error(`\ntest: still running after ${formatDuration(timeoutMs)}; stopping it`);
    signalGroup(proc, "SIGTERM");
    kill = setTimeout(() => signalGroup(proc, "SIGKILL"), 10_000);
  }, timeoutMs);
  const [code] = await Promise.all([
    proc.exited,
    tee(proc.stdout, process.stdout),
    tee(proc.stderr, process.stderr),
  ]);
  clearTimeout(timer);
  clearTimeout(kill);
  // Whatever it left behind (a server a test started, a hung grandchild) goes with it.
  signalGroup(proc, "SIGKILL");
  current = undefined;
  return { code, output, timedOut };
}

/** The group's result: its counts, and a failure (with a note naming why) for what is not a test. */
function judge(
  group: Group,
  files: number,
  run: { code: number; output: string; timedOut: boolean },
  seconds: number,
  args: Args,
  timeoutMs: number,
): SuiteResult {
  const parsed = parseGroupOutput(group.runtime, run.output);
  const r: SuiteResult = { ...parsed, name: group.name, files, code: run.code, seconds, notes: [] };
  const where = [
    parsed.lastFile && `last file ${parsed.lastFile}`,
    parsed.lastLine && `last result "${parsed.lastLine}"`,
  ].filter(Boolean).join(", ");
  const fail = (note: string) => {
    r.failed += 1;
    r.notes.push(note);
  };
  const matchedNothing = args.nameFilter !== undefined &&
    /matched 0 tests|0 passed \| 0 failed.*filtered out/.test(run.output);
  if (run.timedOut) {
    fail(
      `hung: killed after ${formatDuration(timeoutMs)} (TEST_GROUP_TIMEOUT)${
        where ? `; ${where}` : ""
      }`,
    );
  } else if (run.code !== 0 && matchedNothing && parsed.failed === 0) {
    // bun exits 1 when -t matches nothing in its files; with several groups that is expected.
    r.code = 0;
    r.notes.push("no test name matched -t");
  } else if (!parsed.summary) {
    fail(`exited ${run.code} without a summary${where ? ` (${where})` : ""}`);
  } else if (run.code !== 0 && parsed.failed === 0) {
    // A crash, a type error or an unhandled rejection outside any test.
    fail(`exited ${run.code} with no failed test reported${where ? ` (${where})` : ""}`);
  } else if (run.code === 0 && parsed.failed > 0) {
    r.notes.push(`exited 0 although ${parsed.failed} failed`);
  }
  if (parsed.summary && r.passed + r.failed + r.skipped === 0 && !matchedNothing) {
    fail("ran no test");
  }
  if (ciSet()) {
    const wanting = r.skips.filter((s) => s.tool !== null && CI_TOOLS.has(s.tool));
    for (const tool of new Set(wanting.map((s) => s.tool))) {
      const n = wanting.filter((s) => s.tool === tool).length;
      r.failed += n - 1;
      fail(`CI: ${n} skipped for want of ${tool}, which .ci/run installs (listed below)`);
    }
  }
  return r;
}

function ciSet(): boolean {
  const ci = process.env.CI ?? "";
  return ci !== "" && !/^(0|false|no)$/i.test(ci);
}

function report(results: SuiteResult[], planned: { group: Group; files: string[] }[]): void {
  console.log("\n── summary ──");
  const shared = planned.filter((p) => p.group.name.startsWith("shared-")).map((p) => p.group.name);
  for (const r of results) {
    const both = shared.length === 2 && shared.includes(r.name)
      ? `  (the ${r.files} files of tests/shared and tests/edge, also run under ${
        r.name === "shared-bun" ? "Deno" : "Bun"
      })`
      : "";
    console.log(
      `${r.name.padEnd(12)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${
        r.seconds.toFixed(1)
      } s)${both}`,
    );
    for (const note of r.notes) console.log(`${"".padEnd(13)}${r.name}: ${note}`);
  }
  if (shared.length === 2) {
    console.log("A test of tests/shared and tests/edge counts once under Bun and once under Deno.");
  }
  const skips = results.flatMap((r) => r.skips.map((s) => ({ group: r.name, ...s })));
  const failures = results.flatMap((r) => r.failures.map((f) => ({ group: r.name, ...f })));
  if (skips.length > 0) {
    console.log(`\nskipped (${skips.length}):`);
    for (const s of skips) console.log(`  ${s.group} › ${where(s)} — ${s.reason}`);
  }
  if (failures.length > 0) {
    console.log(`\nfailed (${failures.length}):`);
    for (const f of failures) console.log(`  ${f.group} › ${where(f)}`);
  }
}

/** A test as a person finds it: its file, then its name without the skip reason. */
function where(t: TestRef | Skip): string {
  const name = t.name.replace(/\s*\[skipped: .+?\](?= > |$)/, "").replace(
    /\s*— SKIPPED: .+?(?= > |$)/,
    "",
  );
  return t.file ? `${t.file} › ${name}` : name;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const timeouts = groupTimeouts(process.env.TEST_GROUP_TIMEOUT);
  const plan = GROUPS.filter((g) => args.groups.has(g.name)).map((g) => ({
    group: g,
    files: testFiles(g.dirs, args.pathFilters),
  }));
  for (const { group, files } of plan) {
    if (files.length === 0 && !SCRIPT_GROUPS.has(group.name)) {
      console.log(`test: skipping ${group.name}: no *.test.ts in ${group.dirs.join(", ")}`);
    }
  }
  const todo = plan.filter((p) => p.files.length > 0 || SCRIPT_GROUPS.has(p.group.name));

  const results: SuiteResult[] = [];
  let server: MongoServer | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130); // second Ctrl-C: leave now
    interrupted = true;
    console.error(`\ntest: ${signal}, stopping`);
    if (current) signalGroup(current, "SIGTERM"); // the loop below then stops the server and reports
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    if (todo.some((p) => p.group.name !== "gate")) {
      await prepareLauncher();
      server = await startMongoServer();
      console.log(
        `test: MongoDB-wire server: ${server.kind} ${server.uri}${
          server.pid ? ` (pid ${server.pid})` : ""
        }`,
      );
    }
    const env: Record<string, string | undefined> = {
      ...process.env,
      PATH: [BIN, process.env.PATH ?? ""].join(delimiter),
      MONGODB_URI: server?.uri,
      // Children see pipes, not our terminal: pass on whether colours make sense
      // (Deno colours piped output unless NO_COLOR is set).
      ...(process.stdout.isTTY ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" }),
    };
    for (const { group, files } of todo) {
      if (interrupted) break;
      const cmd = group.command(files, args.nameFilter, args.extra);
      const timeoutMs = timeouts.get(group.name)!;
      console.log(
        `\n── ${group.name}: ${
          cmd.slice(0, cmd.length - files.length).join(" ")
        } (${files.length} files, timeout ${formatDuration(timeoutMs)}) ──`,
      );
      const started = performance.now();
      const run = await runStreaming(cmd, env, timeoutMs);
      const seconds = (performance.now() - started) / 1000;
      results.push(judge(group, files.length, run, seconds, args, timeoutMs));
    }
  } finally {
    const s = server;
    server = undefined;
    await s?.stop();
  }

  report(results, todo);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const skipped = results.reduce((n, r) => n + r.skipped, 0);
  const red = results.some((r) => r.code !== 0 || r.failed > 0);
  if (passed + failed === 0) console.log("test: no test ran; that counts as a failure");
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (interrupted) return 130;
  return red || passed + failed === 0 ? 1 : 0;
}

/**
 * Builds both local launchers (mongo-java-server, FerretDB) before any test runs, so
 * that tests starting their own embedded server never pay the build inside their
 * timeout. Fatal only for the launcher of the suite's own server (e.g. no Go or no
 * Maven there is fine when MONGODB_URI or a mongod serves the suite).
 */
async function prepareLauncher(): Promise<void> {
  const mongod = Bun.which("mongod") !== null;
  const javaTools = Bun.which("java") !== null && Bun.which("mvn") !== null;
  const own = process.env.MONGODB_URI
    ? undefined
    : chooseLocalKind(process.env.MONGO_SERVER_KIND, mongod, javaTools);
  for (const kind of ["java", "ferretdb"] as const) {
    try {
      await ensureLauncher(kind);
    } catch (error) {
      if (kind === own) throw error;
      console.warn(`test: warning: ${(error as Error).message}`);
    }
  }
}

if (import.meta.main) {
  try {
    process.exit(await main());
  } catch (error) {
    console.error(`test: ${(error as Error).stack ?? error}`);
    console.log("0 passed, 1 failed, 0 skipped");
    process.exit(1);
  }
}

/**
 * `npm test`: starts one MongoDB-wire server (dev/mongo-server.ts), exports its
 * `MONGODB_URI` to the children (each test file uses its own database names), then
 * runs the suites one after another with their output streamed:
 *
 *   gate         bun scripts/gate.ts: deno fmt --check, tsc --noEmit, deno check
 *   runner       bun test --timeout 60000 tests/runner tests/dev    (bun:test)
 *   shared-bun   bun test tests/shared tests/edge          (node:test under Bun)
 *   shared-deno  deno test --allow-… tests/shared tests/edge (node:test under Deno)
 *   fuzz         bun scripts/fuzz.ts: schemathesis against the live runner and edge
 *
 * Ends with exactly one line `N passed, N failed` and a non-zero exit code when a
 * suite failed or no test ran at all.
 *
 * Arguments (after `npm test --`): group names select groups; `-t PATTERN` filters test
 * names (`--filter` for Deno); other words keep only the test files whose path contains
 * one of them; any other flag is passed to the runners verbatim.
 *
 * @example
 * // shell: npm test -- runner              only the runner group
 * // shell: npm test -- shared-deno mapping  Deno, files whose path contains "mapping"
 * // shell: npm test -- -t "retries"         every group, tests named *retries*
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

type GroupName = "gate" | "runner" | "shared-bun" | "shared-deno" | "fuzz";
interface Group {
  name: GroupName;
  runtime: "bun" | "deno";
  dirs: string[];
  command: (files: string[], nameFilter: string | undefined, extra: string[]) => string[];
}

const GROUPS: Group[] = [
  {
    name: "gate",
    runtime: "bun",
    dirs: [],
    command: () => ["bun", "scripts/gate.ts"],
  },
  {
    name: "runner",
    runtime: "bun",
    dirs: ["tests/runner", "tests/dev"],
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
    command: (files, t, extra) => ["bun", "test", ...nameArgs("-t", t), ...extra, ...files],
  },
  {
    name: "shared-deno",
    runtime: "deno",
    dirs: ["tests/shared", "tests/edge"],
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
    command: () => ["bun", "scripts/fuzz.ts"],
  },
];

/** Groups that are one script, not test files: they run whatever path filters say. */
const SCRIPT_GROUPS = new Set<GroupName>(["gate", "fuzz"]);

interface SuiteResult {
  name: GroupName;
  passed: number;
  failed: number;
  code: number;
  seconds: number;
  note?: string;
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

// bun prints " 12 pass" / " 0 fail"; deno prints "ok | 12 passed | 0 failed (40ms)"
// (or "FAILED | …", with "(3 steps)" after the passed count when tests have steps).
const ANSI = /\x1b\[[0-9;]*m/g;
function parseSummary(
  runtime: "bun" | "deno",
  output: string,
): { passed: number; failed: number } | undefined {
  const text = output.replace(ANSI, "");
  if (runtime === "bun") {
    const pass = lastMatch(text, /^\s*(\d+) pass$/gm);
    const fail = lastMatch(text, /^\s*(\d+) fail$/gm);
    return pass === undefined && fail === undefined
      ? undefined
      : { passed: pass ?? 0, failed: fail ?? 0 };
  }
  const m = [...text.matchAll(/(?:ok|FAILED) \| (\d+) passed(?: \([^)]*\))? \| (\d+) failed/g)].at(
    -1,
  );
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

function lastMatch(text: string, re: RegExp): number | undefined {
  const m = [...text.matchAll(re)].at(-1);
  return m ? Number(m[1]) : undefined;
}

let current: Subprocess | undefined;

/** Runs one command with its output streamed through, and returns its exit code and output. */
async function runStreaming(cmd: string[], env: Record<string, string | undefined>) {
  const proc = Bun.spawn(cmd, { cwd: ROOT, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
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
  const [code] = await Promise.all([
    proc.exited,
    tee(proc.stdout, process.stdout),
    tee(proc.stderr, process.stderr),
  ]);
  current = undefined;
  return { code, output };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
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
  const stopServer = async () => {
    const s = server;
    server = undefined;
    await s?.stop();
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130); // second Ctrl-C: leave now
    interrupted = true;
    console.error(`\ntest: ${signal}, stopping`);
    current?.kill("SIGTERM"); // the loop below then stops the server and reports
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
      console.log(
        `\n── ${group.name}: ${
          cmd.slice(0, cmd.length - files.length).join(" ")
        } (${files.length} files) ──`,
      );
      const started = performance.now();
      const { code, output } = await runStreaming(cmd, env);
      const seconds = (performance.now() - started) / 1000;
      const summary = parseSummary(group.runtime, output);
      const result: SuiteResult = {
        name: group.name,
        code,
        seconds,
        passed: summary?.passed ?? 0,
        failed: summary?.failed ?? 0,
      };
      if (
        code !== 0 && args.nameFilter !== undefined &&
        /matched 0 tests/.test(output.replace(ANSI, ""))
      ) {
        // bun exits 1 when -t matches nothing in its files; with several groups
        // that is expected (deno reports "0 passed | N filtered out" and exits 0).
        result.code = 0;
        result.note = "no test name matched -t";
      } else if (code !== 0 && result.failed === 0) {
        // A crash, a type error or an unhandled rejection outside any test: count it,
        // so the final line never reads "0 failed" on a red run.
        result.failed = 1;
        result.note = summary
          ? `exited ${code} with no failed test reported; counted as 1 failure`
          : `exited ${code} without a summary; counted as 1 failure`;
      }
      results.push(result);
      if (interrupted) break;
    }
  } finally {
    await stopServer();
  }

  console.log("\n── summary ──");
  for (const r of results) {
    console.log(
      `${r.name.padEnd(12)} ${r.passed} passed, ${r.failed} failed (${r.seconds.toFixed(1)} s)${
        r.note ? ` — ${r.note}` : ""
      }`,
    );
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const red = results.some((r) => r.code !== 0 || r.failed > 0);
  if (passed + failed === 0) console.log("test: no test ran; that counts as a failure");
  console.log(`${passed} passed, ${failed} failed`);
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

try {
  process.exit(await main());
} catch (error) {
  console.error(`test: ${(error as Error).stack ?? error}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

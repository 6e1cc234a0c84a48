/**
 * Reading what a group of `npm test` printed: bun's closing counts (` 12 pass`,
 * ` 2 skip`, ` 1 todo`, ` 0 fail`) and Deno's (`ok | 12 passed | 0 failed | 2 ignored`),
 * the skipped and failed tests by file and name, and where a group was when it stopped
 * printing. Pure functions over the text, so scripts/test.ts stays the process side.
 *
 * A skipped test carries its reason in its name, `[skipped: needs <tool>: <why>]`
 * (tests/runner/support/tools.ts), or the older ` — SKIPPED: <why>`; a skip without one
 * is listed as such.
 *
 * @module
 */

/** Tools `.ci/run` installs: under `CI`, a test skipped for want of one is a failure. */
export const CI_TOOLS: ReadonlySet<string> = new Set([
  "chromium",
  "promtool",
  "schemathesis",
  "java",
  "maven",
  "go",
]);

/** One test that did not pass, by file and name. */
export interface TestRef {
  file: string;
  name: string;
}

/** A skipped (or todo) test, with the reason its name gives and the tool it names. */
export interface Skip extends TestRef {
  reason: string;
  /** The `<tool>` of `needs <tool>:`, lower-case, when the reason names one. */
  tool: string | null;
}

/** What one group's output says. */
export interface GroupOutput {
  /** Whether its closing counts were found at all. */
  summary: boolean;
  passed: number;
  failed: number;
  skipped: number;
  skips: Skip[];
  failures: TestRef[];
  /** The last test file it announced and the last result line it printed (for a hang). */
  lastFile: string | null;
  lastLine: string | null;
}

const ANSI = /\x1b\[[0-9;]*m/g;
const NO_REASON = "no reason given in its name";

/**
 * The reason a skipped test's name gives, and the tool it needs.
 *
 * @example
 * ```ts
 * skipReason("renders [skipped: needs chromium: /usr/bin/chromium not found]");
 * // { reason: "needs chromium: /usr/bin/chromium not found", tool: "chromium" }
 * ```
 */
export function skipReason(name: string): { reason: string; tool: string | null } {
  // The house form, and the older " — SKIPPED: <why>" some describe names still carry.
  const reason = (/\[skipped: (.+?)\](?: > |$)/.exec(name) ?? /SKIPPED: (.+?)(?: > |$)/.exec(name))
    ?.[1]?.trim();
  if (reason === undefined) return { reason: NO_REASON, tool: null };
  return { reason, tool: /^needs ([a-z][a-z0-9/-]*)/i.exec(reason)?.[1]?.toLowerCase() ?? null };
}

/**
 * Parses a group's output as its runtime prints it (Bun, or Deno's `deno test`).
 *
 * @example
 * ```ts
 * parseGroupOutput("bun", "a.test.ts:\n(pass) x\n\n 1 pass\n 0 fail\n");
 * // { summary: true, passed: 1, failed: 0, skipped: 0, … }
 * ```
 */
export function parseGroupOutput(runtime: "bun" | "deno", raw: string): GroupOutput {
  const text = raw.replace(ANSI, "");
  return runtime === "bun" ? parseBun(text) : parseDeno(text);
}

const BUN_RESULT = /^(\(pass\)|\(fail\)|\(skip\)|\(todo\)|✓|✗|»|✎) (.+?)(?: \[[\d.]+m?s\])?$/;
const BUN_KIND: Record<string, "pass" | "fail" | "skip"> = {
  "(pass)": "pass",
  "✓": "pass",
  "(fail)": "fail",
  "✗": "fail",
  "(skip)": "skip",
  "»": "skip",
  "(todo)": "skip",
  "✎": "skip",
};

function parseBun(text: string): GroupOutput {
  const out = emptyOutput();
  let file = "";
  const lines = { pass: 0, fail: 0, skip: 0 };
  let hookLines = 0;
  // A file that throws while loading (or between tests) prints "# Unhandled error between tests"
  // and its `error: …` but no result line, yet bun counts it as a fail.
  const loadErrors: { file: string; name: string }[] = [];
  let unhandled = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("# Unhandled error")) unhandled = true;
    const error = unhandled ? /^error: (.+)$/.exec(line) : null;
    if (error) {
      loadErrors.push({ file, name: `unhandled error: ${error[1]!.trim()}` });
      unhandled = false;
    }
    // On a terminal, bun lists failed (and skipped) tests again after the last file.
    if (/^\d+ tests? (?:failed|skipped|todo):$/.test(line)) file = "";
    const header = /^(\S.*\.test\.[cm]?[jt]sx?):$/.exec(line);
    if (header) {
      file = header[1]!;
      out.lastFile = file;
      continue;
    }
    const m = BUN_RESULT.exec(line);
    if (!m) continue;
    out.lastLine = line;
    const kind = BUN_KIND[m[1]!]!;
    if (file !== "") lines[kind]++;
    if (file !== "" && kind === "skip" && / > \(unnamed\)$/.test(m[2]!)) hookLines++;
    if (kind === "skip") addSkip(out, file, m[2]!);
    else if (kind === "fail") addFailure(out, file, m[2]!);
  }
  const count = (word: string) => lastNumber(text, new RegExp(`^\\s*(\\d+) ${word}$`, "gm"));
  const pass = count("pass");
  const fail = count("fail");
  out.summary = pass !== undefined || fail !== undefined;
  // Without bun's closing counts (a crash, a hang), the result lines it printed.
  out.passed = pass ?? lines.pass;
  out.failed = fail ?? lines.fail;
  out.skipped = out.summary ? (count("skip") ?? 0) + (count("todo") ?? 0) : lines.skip;
  // Failures bun counted but never named: name them by the errors of files with no named failure.
  for (const e of loadErrors) {
    if (out.failures.length >= out.failed) break;
    if (!out.failures.some((f) => f.file === e.file && e.file !== "")) {
      addFailure(out, e.file, e.name);
    }
  }
  // A skipped describe's hooks come out as skipped "(unnamed)" tests: they are not tests.
  const hooks = out.skips.filter((s) => / > \(unnamed\)$/.test(s.name));
  out.skips = out.skips.filter((s) => !hooks.includes(s));
  out.skipped = Math.max(0, out.skipped - hookLines);
  return out;
}

/**
 * Deno counts a `describe` of node:test as one test and its tests as steps; the leaves
 * are counted here instead (a result line that closes no open group), so both runtimes
 * count the same tests of tests/shared. Its own summary only says the run ended.
 */
function parseDeno(text: string): GroupOutput {
  const out = emptyOutput();
  let file = "";
  const open: { indent: number; name: string }[] = [];
  const leaves = { passed: 0, failed: 0, skipped: 0 };
  for (const line of text.split("\n")) {
    const header = /^running \d+ tests? from (\S+)$/.exec(line);
    if (header) {
      file = header[1]!;
      out.lastFile = file;
      open.length = 0;
      continue;
    }
    const opener = /^(\s*)(.+) \.\.\.$/.exec(line);
    if (opener) {
      open.push({ indent: opener[1]!.length, name: opener[2]! });
      continue;
    }
    const m = /^(\s*)(.+?) \.\.\. (ok|FAILED|ignored)\b/.exec(line);
    if (!m) continue;
    out.lastLine = line.trim();
    const top = open.at(-1);
    if (top && top.indent === m[1]!.length && top.name === m[2]) {
      open.pop(); // a group's own result line, after its steps
      continue;
    }
    if (m[3] === "ok") leaves.passed++;
    else if (m[3] === "ignored") {
      leaves.skipped++;
      addSkip(out, file, m[2]!);
    } else {
      leaves.failed++;
      addFailure(out, file, m[2]!);
    }
  }
  const summary = [...text.matchAll(/^(?:ok|FAILED) \|(.*)$/gm)].at(-1)?.[1];
  // Without Deno's closing line (a crash, a hang), the result lines it printed.
  out.passed = leaves.passed;
  out.failed = leaves.failed;
  out.skipped = leaves.skipped;
  if (summary !== undefined) {
    const n = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(summary)?.[1] ?? 0);
    out.summary = true;
    // The summary's own counts only when no result line was readable (a changed format).
    const counted = leaves.passed + leaves.failed + leaves.skipped > 0;
    out.passed = counted ? leaves.passed : n("passed");
    out.failed = counted ? Math.max(leaves.failed, n("failed") > 0 ? 1 : 0) : n("failed");
    out.skipped = counted ? leaves.skipped : n("ignored");
  }
  return out;
}

function emptyOutput(): GroupOutput {
  return {
    summary: false,
    passed: 0,
    failed: 0,
    skipped: 0,
    skips: [],
    failures: [],
    lastFile: null,
    lastLine: null,
  };
}

/** An entry with no file is bun's list again at the end: kept once, by name. */
function addSkip(out: GroupOutput, file: string, name: string): void {
  if (out.skips.some((s) => s.name === name && (s.file === file || file === ""))) return;
  out.skips.push({ file, name, ...skipReason(name) });
}

function addFailure(out: GroupOutput, file: string, name: string): void {
  if (out.failures.some((f) => f.name === name && (f.file === file || file === ""))) return;
  out.failures.push({ file, name });
}

function lastNumber(text: string, re: RegExp): number | undefined {
  const m = [...text.matchAll(re)].at(-1);
  return m ? Number(m[1]) : undefined;
}

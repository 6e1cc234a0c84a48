// scripts/test-output.ts on output as Bun and Deno print it (captured from bun 1.4 and
// deno 2.9, piped and on a terminal): counts, skips with their reasons, failures, and
// where a group stood when it stopped.
import { describe, expect, test } from "bun:test";
import { CI_TOOLS, parseGroupOutput, skipReason } from "../../scripts/test-output.ts";

const BUN_PIPED = `bun test v1.4.5 (a7733435c)

tests/runner/http/browser.test.ts:
(pass) the page answers 401 [0.07ms]
(skip) the page renders [skipped: needs chromium: /usr/bin/chromium not found]
(todo) a todo
(skip) group [skipped: needs go: go is not on PATH to build the FerretDB launcher] > inner
(skip) group [skipped: needs go: go is not on PATH to build the FerretDB launcher] > (unnamed)
error: boom
(fail) bad > (unnamed) [0.30ms]

tests/shared/b.test.ts:
(pass) ok one [18.73ms]
(skip) skipped without a reason

 2 pass
 4 skip
 1 todo
 1 fail
 1 expect() calls
Ran 8 tests across 2 files. [425.00ms]
`;

/** The same run on a terminal: glyphs, colours, and bun's list of failures again at the end. */
const BUN_TTY = `\x1b[0mtests/a.test.ts:
\x1b[32m✓\x1b[0m passes [0.06ms]
\x1b[33m»\x1b[0m skipped one [skipped: needs promtool: not found]
✎ a todo
✗ c fails [26.13ms]

1 tests failed:
✗ c fails [26.13ms]

 1 pass
 1 skip
 1 todo
 1 fail
`;

const DENO = `Check tests/shared/b.test.ts
running 3 tests from ./tests/shared/b.test.ts
ok one ... ok (8ms)
skipped nt [skipped: needs schemathesis: missing] ... ignored (0ms)
breaks ... FAILED (2ms)
running 1 test from ./tests/edge/config.test.ts
config ... ok (1ms)

 ERRORS

breaks => ./tests/shared/b.test.ts:5:1

FAILED | 2 passed (3 steps) | 1 failed | 1 ignored (122ms)
`;

describe("parseGroupOutput()", () => {
  test("parseGroupOutput() names a file that failed while loading by its unhandled error, not an error a passing test logged", () => {
    const out = parseGroupOutput(
      "bun",
      [
        "tests/dev/sso.test.ts:",
        "error: connection cut by fault injection",
        "(pass) a cut connection [1.00ms]",
        "",
        "tests/runner/interop/interop-sync.test.ts:",
        "",
        "# Unhandled error between tests",
        "-------------------------------",
        "error: CI needs the interop server scim2-server: missing",
        "      at tests/runner/interop/interop-sync.test.ts:17:15",
        "",
        " 1 pass",
        " 1 fail",
        " 1 error",
      ].join("\n"),
    );
    expect(out.failed).toBe(1);
    expect(out.failures).toEqual([{
      file: "tests/runner/interop/interop-sync.test.ts",
      name: "unhandled error: CI needs the interop server scim2-server: missing",
    }]);
  });

  test("parseGroupOutput() reads bun's pass, fail, skip and todo counts, todo counted as skipped and a skipped describe's hooks not", () => {
    const out = parseGroupOutput("bun", BUN_PIPED);
    expect(out).toMatchObject({ summary: true, passed: 2, failed: 1, skipped: 4 });
  });

  test("parseGroupOutput() lists bun's skipped tests by file, name and reason", () => {
    const out = parseGroupOutput("bun", BUN_PIPED);
    expect(out.skips.map((s) => [s.file, s.tool, s.reason])).toEqual([
      [
        "tests/runner/http/browser.test.ts",
        "chromium",
        "needs chromium: /usr/bin/chromium not found",
      ],
      ["tests/runner/http/browser.test.ts", null, "no reason given in its name"],
      [
        "tests/runner/http/browser.test.ts",
        "go",
        "needs go: go is not on PATH to build the FerretDB launcher",
      ],
      ["tests/shared/b.test.ts", null, "no reason given in its name"],
    ]);
    expect(out.failures).toEqual([
      { file: "tests/runner/http/browser.test.ts", name: "bad > (unnamed)" },
    ]);
  });

  test("parseGroupOutput() reads bun's terminal glyphs and keeps a failure listed twice once", () => {
    const out = parseGroupOutput("bun", BUN_TTY);
    expect(out).toMatchObject({ summary: true, passed: 1, failed: 1, skipped: 2 });
    expect(out.failures).toEqual([{ file: "tests/a.test.ts", name: "c fails" }]);
    expect(out.skips.map((s) => s.tool)).toEqual(["promtool", null]);
  });

  test("parseGroupOutput() reads Deno's passed, failed and ignored counts with steps, and its ignored and failed tests", () => {
    const out = parseGroupOutput("deno", DENO);
    expect(out).toMatchObject({ summary: true, passed: 2, failed: 1, skipped: 1 });
    expect(out.skips).toEqual([{
      file: "./tests/shared/b.test.ts",
      name: "skipped nt [skipped: needs schemathesis: missing]",
      reason: "needs schemathesis: missing",
      tool: "schemathesis",
    }]);
    expect(out.failures).toEqual([{ file: "./tests/shared/b.test.ts", name: "breaks" }]);
  });

  test("parseGroupOutput() counts the tests inside Deno's describe groups (its steps), as Bun does", () => {
    const out = parseGroupOutput(
      "deno",
      `running 2 tests from ./tests/edge/config.test.ts
loadEdgeConfig() ...
  loadEdgeConfig() fills the documented defaults ... ok (5ms)
  loadEdgeConfig() splits secrets [skipped: needs go: absent] ... ignored (0ms)
  loadEdgeConfig() refuses a short secret ... ok (1ms)
loadEdgeConfig() ... ok (9ms)
a top-level test ... ok (1ms)

ok | 2 passed (3 steps) | 0 failed | 0 ignored (15ms)
`,
    );
    expect(out).toMatchObject({ passed: 3, failed: 0, skipped: 1 });
    expect(out.skips.map((s) => s.tool)).toEqual(["go"]);
  });

  test("parseGroupOutput() reports no summary, and the last file and result, for output that stops mid-way", () => {
    const cut = BUN_PIPED.slice(0, BUN_PIPED.indexOf("(pass) ok one") + 30);
    const out = parseGroupOutput("bun", cut);
    expect(out.summary).toBe(false);
    // What it printed before it stopped still counts.
    expect(out).toMatchObject({ passed: 2, failed: 1, skipped: 3 });
    expect(out.lastFile).toBe("tests/shared/b.test.ts");
    expect(out.lastLine).toBe("(pass) ok one [18.73ms]");
    expect(parseGroupOutput("deno", DENO.slice(0, DENO.indexOf("config ..."))).summary).toBe(
      false,
    );
  });
});

describe("skipReason()", () => {
  test("skipReason() takes the reason from [skipped: …] and the tool from needs <tool>:", () => {
    expect(skipReason("x [skipped: needs maven: mvn is not on PATH]")).toEqual({
      reason: "needs maven: mvn is not on PATH",
      tool: "maven",
    });
    expect(skipReason("x [skipped: flaky upstream]")).toEqual({
      reason: "flaky upstream",
      tool: null,
    });
    expect(skipReason("group [skipped: needs go: absent] > a test [1]")).toEqual({
      reason: "needs go: absent",
      tool: "go",
    });
    expect(skipReason("interop with x — SKIPPED: /bin/x is missing (run npm ci) > runSync()"))
      .toEqual({ reason: "/bin/x is missing (run npm ci)", tool: null });
  });

  test("CI_TOOLS names each tool .ci/run installs", () => {
    expect([...CI_TOOLS].sort()).toEqual(
      ["chromium", "go", "java", "maven", "promtool", "schemathesis"],
    );
  });
});

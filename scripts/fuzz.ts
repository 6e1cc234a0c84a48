/**
 * The "fuzz" group of `npm test`: schemathesis against the live runner (a real
 * `bun runner/main.ts` on the MongoDB-wire server, syncing from the development
 * SSO) and the live edge (a real `deno run edge/main.ts` forwarding to that
 * runner), each from its generated OpenAPI document. tests/fuzz/hooks.py signs
 * every body it sends and `-H` adds ADMIN_TOKEN, so cases reach past the first check.
 *
 * Fails on a 5xx, an answer that breaks its schema, status code or content type,
 * and a request that breaks the schema but is not refused. Prints one
 * `(pass)`/`(fail)` line per operation (from schemathesis's JUnit report) and
 * bun's closing lines (` N pass`, ` N fail`), so scripts/test.ts reads it like bun.
 *
 * Needs schemathesis in .cache/venv (.ci/run creates it):
 *   python3 -m venv .cache/venv && .cache/venv/bin/pip install schemathesis==4.32.5
 * Without it: a failure when CI is set, otherwise one skipped entry with that hint.
 *
 * Environment: MONGODB_URI (else a local server is started), FUZZ_MAX_EXAMPLES
 * (per operation, default 50), FUZZ_SEED (default 1, so a finding reproduces).
 *
 * @example
 * // shell: npm test -- fuzz          the group, with npm test's MongoDB-wire server
 * // shell: bun scripts/fuzz.ts       on its own
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { startMongoServer } from "../dev/mongo-server.ts";
import { startDevSso } from "../dev/sso/server.ts";
import { runnerOpenApiDocument } from "../runner/http/openapi.ts";
import { edgeOpenApiDocument } from "../shared/webhook/openapi.ts";

const ROOT = resolve(import.meta.dir, "..");
const OUT = join(ROOT, ".cache", "fuzz");
const SCHEMATHESIS = join(ROOT, ".cache", "venv", "bin", "schemathesis");
const PATH = [join(ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter);
const CHECKS = [
  "not_a_server_error",
  "status_code_conformance",
  "content_type_conformance",
  "response_schema_conformance",
  "negative_data_rejection",
].join(",");
// Secrets of this throwaway setup only (the hook reads the FUZZ_ ones).
const SECRETS = {
  webhook: "fuzz-webhook-secret-0123456789abcdef",
  ingest: "fuzz-ingest-secret-0123456789abcdef",
  admin: "fuzz-admin-token-0123456789abcdef",
};

const children: Subprocess[] = [];

/** Spawns a server and resolves with its `ready http://…` URL (both runtimes print one). */
async function startServer(name: string, cmd: string[], env: Record<string, string>) {
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    env: { ...process.env, PATH, NO_COLOR: "1", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  children.push(proc);
  let log = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const r = stream.getReader();
    for (let c = await r.read(); !c.done; c = await r.read()) {
      log += new TextDecoder().decode(c.value);
    }
  };
  void collect(proc.stderr);
  const reader = proc.stdout.getReader();
  const deadline = Date.now() + 60_000;
  let out = "";
  while (Date.now() < deadline) {
    const { done, value } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
    const m = /ready (http:\/\/\S+)/.exec(out);
    if (m) {
      void (async () => {
        for (;;) if ((await reader.read()).done) break; // keep draining
      })();
      return m[1]!;
    }
  }
  throw new Error(`${name} did not start:\n${out}\n${log}`.slice(0, 4000));
}

/** One schemathesis run; returns the per-operation outcomes from its JUnit report. */
async function fuzz(name: string, doc: unknown, url: string) {
  const spec = join(OUT, `${name}.json`);
  const junit = join(OUT, `${name}.junit.xml`);
  writeFileSync(spec, JSON.stringify(doc));
  rmSync(junit, { force: true });
  const cmd = [
    SCHEMATHESIS,
    "run",
    spec,
    "--url",
    url,
    "--checks",
    CHECKS,
    "--phases",
    "examples,coverage,fuzzing",
    "--max-examples",
    process.env.FUZZ_MAX_EXAMPLES ?? "50",
    "--seed",
    process.env.FUZZ_SEED ?? "1",
    // One worker: with two, hypothesis's threads parse lambda sources at once and CPython 3.11's
    // ast.parse races on its recursion counter ("AST constructor recursion depth mismatch",
    // cpython gh-106905), an error schemathesis reports against whichever operation it hit.
    "--workers",
    "1",
    "--request-timeout",
    "20",
    "--header",
    `Authorization: Bearer ${SECRETS.admin}`,
    "--report",
    "junit",
    "--report-junit-path",
    junit,
  ];
  console.log(`\n── schemathesis: ${name} (${url}) ──`);
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    env: {
      ...process.env,
      SCHEMATHESIS_HOOKS: "tests.fuzz.hooks",
      PYTHONPATH: ROOT,
      FUZZ_WEBHOOK_SECRET: SECRETS.webhook,
      FUZZ_INGEST_SECRET: SECRETS.ingest,
      NO_COLOR: "1",
    },
    stdin: "ignore",
    stdout: "inherit",
    stderr: "inherit",
  });
  const code = await proc.exited;
  return { code, cases: junitCases(existsSync(junit) ? readFileSync(junit, "utf8") : "") };
}

/** `<testcase name=…>` entries of a JUnit report, failed when they hold a failure or error. */
function junitCases(xml: string): { name: string; ok: boolean }[] {
  const cases: { name: string; ok: boolean }[] = [];
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const name = /name="([^"]*)"/.exec(m[1] ?? "")?.[1] ?? "?";
    cases.push({ name, ok: !/<(failure|error)\b/.test(m[3] ?? "") });
  }
  return cases;
}

/** The sum of `scim_webhook_events_total` on the runner: events the fuzz got applied. */
async function appliedEvents(runner: string): Promise<number> {
  const res = await fetch(`${runner}/metrics`, {
    headers: { authorization: `Bearer ${SECRETS.admin}` },
  });
  const text = await res.text();
  let sum = 0;
  for (const m of text.matchAll(/^scim_webhook_events_total(?:\{[^}]*\})? (\S+)$/gm)) {
    sum += Number(m[1]);
  }
  return sum;
}

async function main(): Promise<number> {
  if (!existsSync(SCHEMATHESIS)) {
    const hint = "python3 -m venv .cache/venv && .cache/venv/bin/pip install schemathesis==4.32.5";
    if (process.env.CI) {
      console.log(`(fail) fuzz > schemathesis is not installed: ${hint}\n\n 0 pass\n 1 fail`);
      return 1;
    }
    // One skipped entry with its reason, in bun's form, so scripts/test.ts lists it.
    console.log(
      `(skip) fuzz > schemathesis against the runner and the edge [skipped: needs schemathesis: ` +
        `${SCHEMATHESIS} not found; ${hint}]\n\n 0 pass\n 1 skip\n 0 fail`,
    );
    return 0;
  }
  mkdirSync(OUT, { recursive: true });
  const mongo = process.env.MONGODB_URI ? null : await startMongoServer();
  const sso = await startDevSso({ users: 20, orgUnits: 4, rateLimitPerMinute: 0 });
  try {
    const runner = await startServer("runner", ["bun", "runner/main.ts"], {
      MONGODB_URI: mongo?.uri ?? process.env.MONGODB_URI!,
      MONGODB_DB: `fuzz_${process.pid}`,
      SSO_BASE_URL: sso.url,
      SCIM_CLIENT_ID: "scim-dev-client",
      SCIM_CLIENT_SECRET: "dev-secret-change-me",
      SCIM_WEBHOOK_SECRET: SECRETS.webhook,
      INGEST_SECRET: SECRETS.ingest,
      ADMIN_TOKEN: SECRETS.admin,
      HOST: "127.0.0.1",
      PORT: "0",
      SYNC_ON_START: "false",
      // The fuzz asks for dozens of syncs and previews; at the default 100 a minute every request
      // waits 0.6 s for its slot, and a preview waits while the syncs' requests go
      // (runner/scim/rate-limiter.ts) — past the request timeout. The fuzz checks answers, not
      // pacing (tests/runner/scim/rate-limiter.test.ts and tests/runner/preview/ do).
      SCIM_RATE_LIMIT: "60000",
      LOG_LEVEL: "error",
    });
    const edge = await startServer("edge", [
      "deno",
      "run",
      "--allow-net",
      "--allow-env",
      "edge/main.ts",
    ], {
      PORT: "0",
      SCIM_WEBHOOK_SECRET: SECRETS.webhook,
      INGEST_SECRET: SECRETS.ingest,
      OFM_INGEST_URL: `${runner}/api/v1/scim/events`,
      LOG_LEVEL: "error",
    });
    let pass = 0;
    let fail = 0;
    for (
      const [name, doc, url] of [
        ["runner", runnerOpenApiDocument(), runner],
        ["edge", edgeOpenApiDocument(), edge],
      ] as const
    ) {
      const started = performance.now();
      const { code, cases } = await fuzz(name, doc, url);
      const ms = Math.round(performance.now() - started);
      for (const c of cases) {
        if (c.ok) pass++;
        else fail++;
        console.log(`(${c.ok ? "pass" : "fail"}) fuzz > ${name} > ${c.name}`);
      }
      if (code !== 0 && cases.every((c) => c.ok)) {
        fail++; // a crash, or a failure the report did not attribute to an operation
        console.log(`(fail) fuzz > ${name}: schemathesis exited ${code} [${ms}ms]`);
      } else console.log(`fuzz > ${name}: schemathesis exited ${code} [${ms}ms]`);
    }
    // The signing hook works only if signed cases got past the signature to be applied.
    const applied = await appliedEvents(runner);
    if (applied > 0) pass++;
    else fail++;
    console.log(
      `(${applied > 0 ? "pass" : "fail"}) fuzz > signed cases reached the handlers: ` +
        `${applied} events applied (scim_webhook_events_total)`,
    );
    console.log(`\n ${pass} pass\n ${fail} fail`);
    return fail > 0 ? 1 : 0;
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => c.exited));
    await sso.stop();
    await mongo?.stop();
  }
}

process.exit(await main());

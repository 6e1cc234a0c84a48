// deploy/prometheus/scim-sync.rules.yml against a real runner's /metrics: a
// runner process syncs from the development SSO (which accepts only HTTP
// Basic client authentication and requires a scope, so the daemon's
// SCIM_TOKEN_AUTH path runs for real), then every metric name and every
// `label="value"` matcher in every rule's expression must be a series the
// scrape shows. A renamed metric or label breaks this test, not the pager.
// Then promtool (Debian's `prometheus` package; PROMTOOL or PATH) checks the
// rules and runs deploy/prometheus/scim-sync.rules.test.yml, which fires each alert.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type ReadyProcess, spawnReady } from "../../../dev/spawn-ready.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { type RunnerProcess, startRunner, waitFor } from "../support/runner-process.ts";
import { promtoolTool } from "../support/tools.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const RULES = resolve(ROOT, "deploy/prometheus/scim-sync.rules.yml");
const RULES_TESTS = resolve(ROOT, "deploy/prometheus/scim-sync.rules.test.yml");

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Selector {
  name: string;
  matchers: { label: string; op: string; value: string }[];
}

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset"]);
/** Keywords followed by a label list in parentheses (not a function call). */
const LABEL_LISTS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const TOKEN = /"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|[a-zA-Z_:][a-zA-Z0-9_:]*|\(|\)|\S/g;
const MATCHER = /([a-zA-Z_]\w*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"/g;

/**
 * The vector selectors of a PromQL expression: metric names (identifiers not
 * called as functions, not keywords, not inside label lists) with their
 * label matchers. Enough of PromQL for rules files; not a full parser.
 */
function selectorsOf(expr: string): Selector[] {
  // `offset 5m` would read as the number 5 and a metric "m".
  const tokens: string[] = expr.replace(/\boffset\s+[\dsmhdwy]+/g, "").match(TOKEN) ?? [];
  const out: Selector[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!/^[a-zA-Z_:]/.test(t) || KEYWORDS.has(t)) continue;
    if (LABEL_LISTS.has(t)) {
      if (tokens[i + 1] === "(") i = tokens.indexOf(")", i + 1);
      continue;
    }
    // A function, or an aggregation (`max(…)`, `max by (x) (…)`).
    if (["(", "by", "without"].includes(tokens[i + 1] ?? "")) continue;
    const next = tokens[i + 1] ?? "";
    const matchers = next.startsWith("{")
      ? [...next.matchAll(MATCHER)].map((m) => ({ label: m[1]!, op: m[2]!, value: m[3]! }))
      : [];
    out.push({ name: t, matchers });
  }
  return out;
}

/** The series of a Prometheus text exposition: name → label sets. */
function seriesOf(exposition: string): Map<string, Record<string, string>[]> {
  const map = new Map<string, Record<string, string>[]>();
  for (const line of exposition.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+\S+/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? "").matchAll(MATCHER)].map((x) => [x[1], x[3]]));
    map.set(m[1]!, [...(map.get(m[1]!) ?? []), labels]);
  }
  return map;
}

/** What an expression names that the scrape does not have; empty when all is there. */
function missingFrom(expr: string, series: Map<string, Record<string, string>[]>): string[] {
  const missing: string[] = [];
  for (const s of selectorsOf(expr)) {
    const sets = series.get(s.name);
    if (!sets) {
      missing.push(s.name);
      continue;
    }
    for (const m of s.matchers.filter((x) => x.op === "=")) {
      if (!sets.some((l) => l[m.label] === m.value)) {
        missing.push(`${s.name}{${m.label}="${m.value}"}`);
      }
    }
  }
  return missing;
}

const rules = (): Rule[] =>
  (Bun.YAML.parse(readFileSync(RULES, "utf8")) as { groups: { rules: Rule[] }[] }).groups
    .flatMap((g) => g.rules);

let t: TestDb;
let sso: ReadyProcess;
let runner: RunnerProcess;
let scrape = "";

beforeAll(async () => {
  t = await openTestDb("alert_rules");
  sso = await spawnReady([BUN, "dev/sso/main.ts"], {
    SSO_PORT: "0",
    DEV_SSO_USERS: "15",
    DEV_SSO_TOKEN_AUTH: "basic",
    DEV_SSO_TOKEN_SCOPE: "scim.read",
    DEV_SSO_RATE_LIMIT: "0",
  }, { name: "sso", cwd: ROOT });
  runner = await startRunner({
    SSO_BASE_URL: sso.url,
    SCIM_CLIENT_ID: "scim-dev-client",
    SCIM_CLIENT_SECRET: "dev-secret-change-me",
    SCIM_TOKEN_AUTH: "client_secret_basic",
    SCIM_TOKEN_SCOPE: "scim.read",
    MONGODB_URI: t.uri,
    MONGODB_DB: t.name,
    SYNC_ON_START: "true",
    SYNC_INTERVAL: "2h",
  }, 60_000);
  scrape = await waitFor(
    async () => {
      const body = await (await fetch(`${runner.url}/metrics`)).text();
      return body.includes('scim_sync_runs_total{type="full",status="success"} 1') && body;
    },
    60_000,
    "a successful full sync in /metrics",
  );
}, 120_000);

afterAll(async () => {
  runner?.signal("SIGTERM");
  await runner?.exited;
  await sso?.stop();
  await t?.drop();
});

describe("deploy/prometheus/scim-sync.rules.yml", () => {
  test("the rules file has one alert per condition of issues 13 and 23, each with severity and summary", () => {
    const all = rules();
    expect(all.map((r) => r.alert)).toEqual([
      "ScimSyncFullSyncOverdue",
      "ScimSyncConsecutiveFailures",
      "ScimSyncAbortedByGuard",
      "ScimSyncListingIncomplete",
      "ScimSyncCompletedWithErrors",
      "ScimSyncResourceErrorsPersist",
      "ScimHeldDeactivationsWaiting",
      "ScimWebhookFailureRatioHigh",
      "ScimIngestionShedding",
      "ScimLeaseFlapping",
    ]);
    for (const r of all) {
      expect(["warning", "critical"]).toContain(r.labels?.severity ?? "");
      expect(r.annotations?.summary?.length ?? 0).toBeGreaterThan(10);
    }
  });

  test("every metric and label value a rule names is a series of a live runner's /metrics after a sync", () => {
    const series = seriesOf(scrape);
    for (const r of rules()) {
      expect(selectorsOf(r.expr).length).toBeGreaterThan(0);
      expect({ alert: r.alert, missing: missingFrom(r.expr, series) }).toEqual({
        alert: r.alert,
        missing: [],
      });
    }
  });

  test("the runner exports SYNC_INTERVAL for the overdue rule and the last full listing's completeness", () => {
    expect(scrape).toContain('scim_sync_interval_seconds{type="full"} 7200');
    expect(scrape).toContain("scim_sync_consecutive_failures 0");
    expect(scrape).toMatch(/scim_sync_last_success_timestamp_seconds\{type="full"\} \d/);
    // The sync's listing was proven complete, and it applied every resource.
    expect(scrape).toMatch(
      /scim_sync_last_full_listing_timestamp_seconds\{complete="true"\} [1-9]\d*/,
    );
    expect(scrape).toContain('scim_sync_last_full_listing_timestamp_seconds{complete="false"} 0');
    expect(scrape).toContain(
      'scim_sync_completed_runs_total{type="full",resource_errors="none"} 1',
    );
  });

  test("missingFrom() names a misspelled metric and a label value no series has", () => {
    const series = seriesOf(scrape);
    expect(
      missingFrom(
        'sum(rate(scim_webhook_event_total[5m])) / on() scim_sync_runs_total{status="abortd"}',
        series,
      ),
    ).toEqual(["scim_webhook_event_total", 'scim_sync_runs_total{status="abortd"}']);
  });

  test("selectorsOf() skips functions, aggregations, keywords and label lists", () => {
    expect(
      selectorsOf('max by (type) (a{x="1"}) and on(job) b offset 5m > 2 * time() or absent(c)')
        .map((s) => s.name),
    ).toEqual(["a", "b", "c"]);
  });
});

/** Runs promtool in deploy/prometheus; its exit code and output. */
async function runPromtool(bin: string, args: string[]) {
  const p = Bun.spawn([bin, ...args], {
    cwd: resolve(ROOT, "deploy/prometheus"),
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = (await new Response(p.stdout).text()) + (await new Response(p.stderr).text());
  return { code: await p.exited, out };
}

/**
 * promtool: `PROMTOOL` if set, else the one on PATH (Debian's `prometheus` package, which
 * .ci/run installs: `apt-get install prometheus`, promtool 2.42). Building it with Go took
 * 7 minutes of a fresh `npm test`, so nothing is built here. Without it each promtool test
 * is skipped with the reason in its name (a failure under CI, scripts/test.ts).
 */
const promtoolFound = promtoolTool();
const PROMTOOL_BIN = promtoolFound.path;

describe("deploy/prometheus with promtool", () => {
  test.skipIf(promtoolFound.missing)(
    promtoolFound.named(
      "promtool check rules accepts scim-sync.rules.yml and promtool test rules passes each alert's unit test",
    ),
    async () => {
      const bin = PROMTOOL_BIN!;
      const check = await runPromtool(bin, ["check", "rules", RULES]);
      expect({ code: check.code, out: check.out }).toMatchObject({ code: 0 });
      expect(check.out).toContain(`SUCCESS: ${rules().length} rules found`);
      const unit = await runPromtool(bin, ["test", "rules", RULES_TESTS]);
      expect({ code: unit.code, out: unit.out }).toMatchObject({ code: 0 });
      // Every alert has a case that fires it.
      const tests = readFileSync(RULES_TESTS, "utf8");
      for (const r of rules()) expect(tests).toContain(`alertname: ${r.alert}`);
    },
    900_000,
  );

  test.skipIf(promtoolFound.missing)(
    promtoolFound.named(
      "promtool test rules fails when an expected alert does not match what the rules produce",
    ),
    async () => {
      const bin = PROMTOOL_BIN!;
      const dir = resolve(ROOT, ".cache/promtool");
      mkdirSync(dir, { recursive: true });
      const wrong = readFileSync(RULES_TESTS, "utf8")
        .replace("\n  - scim-sync.rules.yml\n", `\n  - ${RULES}\n`)
        .replace("summary: 3 scheduled SCIM syncs failed in a row", "summary: 4 scheduled");
      expect(wrong).toContain(`  - ${RULES}`);
      expect(wrong).toContain("summary: 4 scheduled");
      await Bun.write(resolve(dir, "wrong.test.yml"), wrong);
      const unit = await runPromtool(bin, ["test", "rules", resolve(dir, "wrong.test.yml")]);
      expect(unit.code).not.toBe(0);
      expect(unit.out).toContain("ScimSyncConsecutiveFailures");
    },
    900_000,
  );
});

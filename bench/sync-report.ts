/**
 * Medians, targets and the printed table of the sync benchmark (bench/run.ts).
 * The targets are issues 11's and 21's, on the fast server; on FerretDB only the
 * correctness ones (0 no-op writes, a 1% change that finishes, request counts)
 * are targets, the rest is reported.
 *
 * @module
 */
import { BENCH_PAGE } from "./bench-world.ts";
import type { Samples } from "./sync-bench.ts";

/** A target's outcome: met, missed, or not a target here / not measured. */
export type Verdict = true | false | "not run" | "reported";

/** One server's summarised run. */
export interface ServerSummary {
  /** The `--server` word or uri, e.g. "fast". */
  server: string;
  /** What served it: java (mongo-java-server, memory), ferretdb, mongod, external. */
  kind: string;
  medians: Record<string, number>;
  samples: Samples;
  targets: Record<string, Verdict>;
  /** The organisation's size this server ran at (FerretDB's may be smaller, `--ferret-users`). */
  users?: number;
  /** The paced runs' size; 0 = none. */
  pacedUsers?: number;
  /** The naive comparison's size this server ran at. */
  naive?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** The sizes a server ran at: they set the request counts the targets allow. */
export interface BenchSizes {
  users: number;
  /** The paced runs' size; 0 = none ran. */
  pacedUsers: number;
}

/** Requests a full sync may make: ⌈users/page⌉ + ⌈groups/page⌉ + 3 (issue 21). */
export const fullSyncBudget = (users: number) =>
  Math.ceil(users / BENCH_PAGE) + Math.ceil(Math.floor(users / 10) / BENCH_PAGE) + 3;
/** Requests a delta may make: ⌈changed/page⌉ + 3 (issue 21). */
export const deltaBudget = (changed: number) => Math.ceil(changed / BENCH_PAGE) + 3;

/** Peak RSS allowed: 300 MB up to 100,000 people, 600 MB at a million (issues 11 and 21). */
export const rssBudgetMB = (users: number) => (users >= 1_000_000 ? 600 : 300);

/**
 * Takes the median of every figure and judges the targets for the server's kind.
 *
 * @example
 * ```ts
 * const s = summarize("fast", "java", { initialOverFloor: [1.1, 1.3, 1.15] }, { users: 1000, pacedUsers: 0 });
 * s.medians.initialOverFloor; // 1.15
 * ```
 */
export function summarize(
  server: string,
  kind: string,
  samples: Samples,
  sizes: BenchSizes,
): ServerSummary {
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, r2(median(v))]));
  const max = (k: string) => Math.max(...(samples[k] ?? [NaN]));
  const ran = m.onePctChanged !== undefined;
  const paced = m.pacedFullMs !== undefined;
  const changeFinished: Verdict = ran ? m.onePctWrites === m.onePctChanged : "not run";
  const rss = rssBudgetMB(sizes.users);
  const fast: Record<string, Verdict> = {
    "initial <= 1.2 x floor": m.initialOverFloor! <= 1.2,
    "no-op <= 1.2 x (fetch + index read)": m.noopOverReads! <= 1.2,
    "no-op writes == 0": m.noopWrites === 0,
    "1% change <= 1.2 x no-op": ran ? m.onePctOverNoop! <= 1.2 : "not run",
    "1% writes == changes": changeFinished,
    "no-op CPU <= 30 µs per user": m.noopCpuUsPerUser! <= 30,
    "naive / ours >= 10": m.naiveOverOurs! >= 10,
    "peak RSS <= 300 MB (600 MB at a million)": m.peakRssMB! <= rss,
    // The issue's "peak RSS <= 300 MB at 100k, growth <= linear": the growth of that peak.
    "peak RSS growth <= linear (10x users <= 10x RSS)": m.peakRssMB! / m.peakRssSmallMB! <= 10,
    "npm run sync no-op <= 1.3 x (fetch process + index process)": m.npmSyncOverProcesses! <= 1.3,
    // Every sample, not the median: a request count is exact, one extra is a miss.
    "full sync requests <= ceil(users/page) + ceil(groups/page) + 3":
      Math.max(max("initialRequests"), max("noopRequests")) <= fullSyncBudget(sizes.users),
    "delta requests <= ceil(changed/page) + 3": ran
      ? max("deltaRequests") <= deltaBudget(m.deltaChanged!)
      : "not run",
    "delta of 100: <= 1 s": ran ? m.delta100Ms! <= 1000 : "not run",
    "delta of 100: peak RSS <= 150 MB": ran ? max("delta100PeakRssMB") <= 150 : "not run",
    // Exact counts, every sample: the delta must not read what it was not sent.
    "delta of 100: MongoDB reads <= 2 x changes": ran
      ? max("delta100Reads") <= 2 * m.delta100Changed!
      : "not run",
    "delta of 100: writes == changes": ran ? m.delta100Writes === m.delta100Changed : "not run",
    "paced: no request refused (429)": paced ? max("pacedRefused") === 0 : "not run",
    "paced full sync: wall <= 1.1 x requests / allowance": paced
      ? m.pacedFullOverAllowance! <= 1.1
      : "not run",
    "paced delta: wall <= 1.1 x requests / allowance": paced
      ? m.pacedDeltaOverAllowance! <= 1.1
      : "not run",
  };
  // FerretDB's updates scan their table: its only targets are correctness ones (issue 11).
  const correctness = new Set([
    "no-op writes == 0",
    "1% writes == changes",
    "full sync requests <= ceil(users/page) + ceil(groups/page) + 3",
    "delta requests <= ceil(changed/page) + 3",
    "delta of 100: MongoDB reads <= 2 x changes",
    "delta of 100: writes == changes",
  ]);
  const targets = kind === "ferretdb"
    ? Object.fromEntries(
      Object.entries(fast).map((
        [k, v],
      ) => [k, correctness.has(k) || v === "not run" ? v : "reported" as const]),
    )
    : fast;
  return { server, kind, medians: m, samples, targets, ...sizes };
}

/**
 * The figures and targets of one or more servers side by side, as a Markdown table.
 *
 * @example
 * ```ts
 * console.log(formatTable([fastSummary, ferretSummary], 100_000, 2_000));
 * ```
 */
export function formatTable(summaries: ServerSummary[], users: number, naiveUsers: number): string {
  const at = (s: ServerSummary) => ({ users: s.users ?? users, naive: s.naive ?? naiveUsers });
  const rows: [string, (m: Record<string, number>, s: ServerSummary) => unknown][] = [
    ["users / naive-comparison users", (_, s) => `${at(s).users} / ${at(s).naive}`],
    [`initial sync (ms)`, (m) => m.initialMs],
    ["floor: fetch + unordered insertMany of 10,000 (ms)", (m) => m.floorMs],
    ["initial / floor", (m) => m.initialOverFloor],
    ["no-op resync (ms)", (m) => m.noopMs],
    ["  of which: all pages from the SSO (ms)", (m) => m.noopFetchMs],
    ["  of which: index read from MongoDB (ms)", (m) => m.noopIndexMs],
    ["no-op / (fetch + index read)", (m) => m.noopOverReads],
    [
      "  stricter: no-op / (fetch + index bytes, undecoded)",
      (m) => `${m.noopOverRawReads} (index ${m.noopIndexRawMs} ms)`,
    ],
    ["no-op writes", (m) => m.noopWrites],
    ["no-op sync-process CPU (µs per user)", (m) => m.noopCpuUsPerUser],
    ["1% changed: sync (ms)", (m) => m.onePctMs],
    ["1% changed / no-op", (m) => m.onePctOverNoop],
    ["1% changed: writes / changes", (m) => `${m.onePctWrites} / ${m.onePctChanged}`],
    [
      "requests: initial / no-op / 1% full (allowed)",
      (m, s) =>
        `${m.initialRequests} / ${m.noopRequests} / ${m.onePctRequests ?? "—"} (${
          fullSyncBudget(at(s).users)
        })`,
    ],
    [
      "delta of 1%: ms, writes / changes, requests (allowed)",
      (m) =>
        m.deltaMs === undefined
          ? "—"
          : `${m.deltaMs}, ${m.deltaWrites} / ${m.deltaChanged}, ${m.deltaRequests} (${
            deltaBudget(m.deltaChanged!)
          })`,
    ],
    [
      "  its MongoDB reads to diff against",
      (m) => m.deltaReads ?? "—",
    ],
    [
      "delta of 100: ms, peak RSS (MB), reads, writes / changes, requests",
      (m) =>
        m.delta100Ms === undefined
          ? "—"
          : `${m.delta100Ms}, ${m.delta100PeakRssMB}, ${m.delta100Reads}, ${m.delta100Writes} / ${m.delta100Changed}, ${m.delta100Requests}`,
    ],
    [
      "whole processes: npm run sync / bun cli (ms)",
      (m) => `${m.npmSyncMs} / ${m.bunSyncMs}`,
    ],
    [
      "  floor processes: fetch + index (ms)",
      (m) => `${m.fetchProcessMs} + ${m.indexProcessMs}`,
    ],
    [
      "npm run sync / floor processes (bun cli's)",
      (m) => `${m.npmSyncOverProcesses} (${m.bunSyncOverProcesses})`,
    ],
    [
      "paced at 100/min: full ms, requests, wall / (requests / allowance)",
      (m, s) =>
        m.pacedFullMs === undefined
          ? "—"
          : `${m.pacedFullMs}, ${m.pacedFullRequests}, ${m.pacedFullOverAllowance} (${s.pacedUsers} users)`,
    ],
    [
      "paced at 100/min: delta ms, requests, wall / (requests / allowance)",
      (m) =>
        m.pacedDeltaMs === undefined
          ? "—"
          : `${m.pacedDeltaMs}, ${m.pacedDeltaRequests}, ${m.pacedDeltaOverAllowance}`,
    ],
    ["paced: requests refused (429)", (m) => m.pacedRefused ?? "—"],
    ["naive / ours (at the naive size)", (m) => m.naiveOverOurs],
    ["peak RSS at users/10 / users (MB)", (m) => `${m.peakRssSmallMB} / ${m.peakRssMB}`],
    ["initial at users/10 / users (ms)", (m) => `${m.initialSmallMs} / ${m.initialMs}`],
    // Reported, not a target: the initial is bound by the server's inserts, whose own cost the
    // floor's growth shows (mongo-java-server keeps its unique indexes in sorted maps).
    [
      "initial time growth, ours / the floor's (x)",
      (m) => `${r2(m.initialMs! / m.initialSmallMs!)} / ${r2(m.floorMs! / m.floorSmallMs!)}`,
    ],
    [
      "floor's peak RSS at users/10 / users (MB)",
      (m) => `${m.floorRssSmallMB} / ${m.floorRssMB}`,
    ],
    [
      "peak RSS growth, ours / the floor's (x)",
      (m) => `${r2(m.peakRssMB! / m.peakRssSmallMB!)} / ${r2(m.floorRssMB! / m.floorRssSmallMB!)}`,
    ],
  ];
  const head = ["figure", ...summaries.map((s) => `${s.server} (${s.kind})`)];
  const body = rows.map((
    [name, pick],
  ) => [name, ...summaries.map((s) => String(pick(s.medians, s) ?? "—"))]);
  const mark = (
    v: Verdict | undefined,
  ) => (v === true ? "✅" : v === false ? "❌" : v === "reported" ? "➖ reported" : "➖ not run");
  const targets = Object.keys(summaries[0]?.targets ?? {}).map((
    k,
  ) => [`target: ${k}`, ...summaries.map((s) => mark(s.targets[k]))]);
  const all = [head, ...body, ...targets];
  const widths = head.map((_, i) => Math.max(...all.map((r) => cells(r[i] ?? ""))));
  const pad = (
    c: string,
    w: number,
    left: boolean,
  ) => (left ? c + " ".repeat(w - cells(c)) : " ".repeat(w - cells(c)) + c);
  const line = (r: string[]) => `| ${r.map((c, i) => pad(c, widths[i]!, i === 0)).join(" | ")} |`;
  const rule = `|${
    widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")
  }|`;
  return [line(head), rule, ...body.map(line), ...targets.map(line)].join("\n");
}

/** Terminal columns of a cell: the verdict marks are two wide. */
function cells(text: string): number {
  return [...text].length + (text.match(/[✅❌➖]/gu)?.length ?? 0);
}

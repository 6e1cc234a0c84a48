/**
 * Medians, targets and the printed table of the sync benchmark (bench/run.ts).
 * The targets are issue 11's, on the fast server; on FerretDB only the no-op's
 * 0 writes and a 1% change that finishes are targets, the rest is reported.
 *
 * @module
 */
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
  /** The naive comparison's size this server ran at. */
  naive?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Takes the median of every figure and judges the targets for the server's kind.
 *
 * @example
 * ```ts
 * const s = summarize("fast", "java", { initialOverFloor: [1.1, 1.3, 1.15] });
 * s.medians.initialOverFloor; // 1.15
 * ```
 */
export function summarize(server: string, kind: string, samples: Samples): ServerSummary {
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, r2(median(v))]));
  const ran = m.onePctChanged !== undefined;
  const changeFinished: Verdict = ran ? m.onePctWrites === m.onePctChanged : "not run";
  const fast: Record<string, Verdict> = {
    "initial <= 1.2 x floor": m.initialOverFloor! <= 1.2,
    "no-op <= 1.2 x (fetch + index read)": m.noopOverReads! <= 1.2,
    "no-op writes == 0": m.noopWrites === 0,
    "1% change <= 1.2 x no-op": ran ? m.onePctOverNoop! <= 1.2 : "not run",
    "1% writes == changes": changeFinished,
    "no-op CPU <= 30 µs per user": m.noopCpuUsPerUser! <= 30,
    "naive / ours >= 10": m.naiveOverOurs! >= 10,
    "peak RSS <= 300 MB": m.peakRssMB! <= 300,
    // The issue's "peak RSS <= 300 MB at 100k, growth <= linear": the growth of that peak.
    "peak RSS growth <= linear (10x users <= 10x RSS)": m.peakRssMB! / m.peakRssSmallMB! <= 10,
  };
  // FerretDB's updates scan their table: its only targets are correctness ones (issue 11).
  const targets = kind === "ferretdb"
    ? Object.fromEntries(
      Object.entries(fast).map(([k, v]) => [
        k,
        k === "no-op writes == 0" || k === "1% writes == changes" || v === "not run"
          ? v
          : "reported" as const,
      ]),
    )
    : fast;
  return { server, kind, medians: m, samples, targets };
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
    ["floor: fetch + one insertMany (ms)", (m) => m.floorMs],
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
    ["naive / ours (at the naive size)", (m) => m.naiveOverOurs],
    ["peak RSS at users/10 / users (MB)", (m) => `${m.peakRssSmallMB} / ${m.peakRssMB}`],
    ["initial at users/10 / users (ms)", (m) => `${m.initialSmallMs} / ${m.initialMs}`],
    // Reported, not a target: the initial is bound by the server's inserts, whose own cost the
    // floor's growth shows (mongo-java-server keeps its unique indexes in sorted maps).
    [
      "initial time growth, ours / the floor's (x)",
      (m) => `${r2(m.initialMs! / m.initialSmallMs!)} / ${r2(m.floorMs! / m.floorSmallMs!)}`,
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

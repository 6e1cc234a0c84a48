/**
 * The sync page's trend at a glance, as server-rendered SVG: one group of
 * bars per recent run (created, updated, deactivated users) on a y axis with
 * ticks and its unit, and webhook events per hour. Runs use a log scale (0,
 * 1, 10, 100 … labelled), so four changes beside a first import of 2,000 stay
 * visible; a run that did not succeed is a shaded band inside the plot, red
 * for failed, aborted and interrupted, amber for any other status (a newer
 * runner's `partial`, say), each named in the legend. Time labels carry the
 * date and are in the page's zone. Pure functions from data to markup: no
 * script, no library; JSX escapes every text; each chart carries <title> and
 * <desc>, so it reads without sight.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { useContext } from "hono/jsx";
import { formatDuration } from "../../shared/duration.ts";
import { num, PageZone, type TimeFormat } from "./page-format.tsx";

/** One run as the chart draws it, oldest first. */
export interface TrendRun {
  startedAt: Date;
  status: string;
  durationMs: number | null;
  created: number;
  updated: number;
  deactivated: number;
  label: string;
}

/** Webhook events received in one hour. */
export interface HourBucket {
  hour: Date;
  total: number;
  failed: number;
}

const W = 640;
const H = 200;
const PAD = { top: 10, bottom: 34, left: 46, right: 46 };
const PLOT_H = H - PAD.top - PAD.bottom;
const BASE = H - PAD.bottom;
/** Colours of the series, the bands and the labels. */
export const CHART_COLORS = {
  created: "#15803d",
  updated: "#1d4ed8",
  deactivated: "#b45309",
  failedBand: "#fee2e2",
  otherBand: "#fef3c7",
  axis: "#4b5563",
  grid: "#e5e7eb",
} as const;
/** Statuses drawn as a failed run. */
export const FAILED_STATUSES: ReadonlySet<string> = new Set(["failed", "aborted", "interrupted"]);

/** Log scale: 0 at the base, each power of ten one step up (pure). */
const logY = (v: number, max: number) => {
  const top = Math.log10(1 + Math.max(1, max));
  return BASE - (Math.log10(1 + Math.max(0, v)) / top) * PLOT_H;
};
const linY = (v: number, max: number) => BASE - (max <= 0 ? 0 : (v / max) * PLOT_H);

/**
 * The log axis's ticks: 0 and each power of ten up to the first at or above `max` (pure).
 *
 * @example
 * ```ts
 * logTicks(2000); // [0, 1, 10, 100, 1000, 10000]
 * ```
 */
export function logTicks(max: number): number[] {
  const out = [0, 1];
  while (out.at(-1)! < max) out.push(out.at(-1)! * 10);
  return out;
}

/** A date and time in two short lines: "10-18" over "12:00", in the page's zone. */
function TimeLabel({ d, x, zone }: { d: Date; x: number; zone: TimeFormat }) {
  const text = zone.format(d); // "2025-10-18 12:00:00 UTC"
  return (
    <text x={x} y={BASE + 13} font-size="10" fill={CHART_COLORS.axis} text-anchor="middle">
      <tspan x={x}>{text.slice(5, 10)}</tspan>
      <tspan x={x} dy="11">{text.slice(11, 16)}</tspan>
    </text>
  );
}

/** The y axis: a line, ticks with their labels, light grid lines, the unit written along it. */
function YAxis({ ticks, y, unit, side = "left", label = num }: {
  ticks: readonly number[];
  y: (v: number) => number;
  unit: string;
  side?: "left" | "right";
  label?: (v: number) => string;
}) {
  const x = side === "left" ? PAD.left : W - PAD.right;
  const dx = side === "left" ? -4 : 4;
  return (
    <g class={`axis y-${side}`}>
      <line x1={x} y1={PAD.top} x2={x} y2={BASE} stroke={CHART_COLORS.axis} />
      {ticks.map((t) => (
        <g class="tick">
          {side === "left"
            ? (
              <line
                x1={PAD.left}
                y1={y(t)}
                x2={W - PAD.right}
                y2={y(t)}
                stroke={CHART_COLORS.grid}
              />
            )
            : null}
          <text
            x={x + dx}
            y={y(t) + 3}
            font-size="10"
            fill={CHART_COLORS.axis}
            text-anchor={side === "left" ? "end" : "start"}
          >
            {label(t)}
          </text>
        </g>
      ))}
      <text
        font-size="10"
        fill={CHART_COLORS.axis}
        text-anchor="middle"
        transform={`translate(${side === "left" ? 10 : W - 6} ${PAD.top + PLOT_H / 2}) rotate(-90)`}
      >
        {unit}
      </text>
    </g>
  );
}

/** The accessible SVG frame both charts share, with its title, description and x axis. */
function ChartFrame(p: {
  name: string;
  data: Record<string, string>;
  title: Child;
  desc: Child;
  children: Child;
}): Child {
  const id = `trend-${p.name}`;
  return (
    <svg
      class="trend"
      id={id}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      {...p.data}
    >
      <title id={`${id}-title`}>{p.title}</title>
      <desc id={`${id}-desc`}>{p.desc}</desc>
      {p.children}
      <line x1={PAD.left} y1={BASE} x2={W - PAD.right} y2={BASE} stroke={CHART_COLORS.axis} />
    </svg>
  );
}

const every = (n: number, max: number) => Math.max(1, Math.ceil(n / max));

/** One run: its band when it did not succeed, its three bars, its time label. */
function RunBars(
  { r, x0, slot, bar, top, zone, label }: {
    r: TrendRun;
    x0: number;
    slot: number;
    bar: number;
    top: number;
    zone: TimeFormat;
    label: boolean;
  },
) {
  const x = x0 + 4;
  const failed = FAILED_STATUSES.has(r.status);
  const band = r.status === "success"
    ? null
    : failed
    ? CHART_COLORS.failedBand
    : CHART_COLORS.otherBand;
  return (
    <g class={band ? `run ${failed ? "failed" : "other"}` : "run"} data-status={r.status}>
      <title>
        {`${r.label} ${zone.format(r.startedAt)} ${r.status}: ${num(r.created)} created, ${
          num(r.updated)
        } updated, ${num(r.deactivated)} deactivated` +
          (r.durationMs !== null ? `, ${formatDuration(r.durationMs)}` : "")}
      </title>
      {band
        ? (
          <rect
            class="status-band"
            x={x0 + 1}
            y={PAD.top}
            width={slot - 2}
            height={PLOT_H}
            fill={band}
          />
        )
        : null}
      {(["created", "updated", "deactivated"] as const).map((k, j) => (
        <rect
          class={`bar ${k}`}
          x={x + j * bar}
          y={logY(r[k], top)}
          width={bar - 1}
          height={BASE - logY(r[k], top)}
          fill={CHART_COLORS[k]}
        />
      ))}
      {label ? <TimeLabel d={r.startedAt} x={x0 + slot / 2} zone={zone} /> : null}
    </g>
  );
}

/**
 * Bars per run on a log scale, a band behind each run that did not succeed,
 * the duration as a dotted line on its own axis (right).
 *
 * @example
 * ```tsx
 * <RunsChart runs={[{ startedAt, status: "success", durationMs: 1200, created: 3, updated: 1, deactivated: 0, label: "full" }]} />
 * ```
 */
export function RunsChart({ runs }: { runs: readonly TrendRun[] }): Child {
  const zone = useContext(PageZone);
  const max = Math.max(1, ...runs.flatMap((r) => [r.created, r.updated, r.deactivated]));
  const ticks = logTicks(max);
  const top = ticks.at(-1)!;
  const maxMs = Math.max(1, ...runs.map((r) => r.durationMs ?? 0));
  const slot = (W - PAD.left - PAD.right) / Math.max(1, runs.length);
  const bar = Math.max(2, (slot - 8) / 3);
  const failed = runs.filter((r) => FAILED_STATUSES.has(r.status)).length;
  const other = runs.filter((r) => r.status !== "success" && !FAILED_STATUSES.has(r.status));
  const labelEvery = every(runs.length, 10);
  const points = runs.map((r, i) =>
    `${PAD.left + slot * i + slot / 2},${linY(r.durationMs ?? 0, maxMs)}`
  ).join(" ");
  return (
    <ChartFrame
      name="runs"
      data={{ "data-runs": String(runs.length), "data-scale": "log" }}
      title={<>Last {runs.length} sync runs</>}
      desc={
        <>
          Users created, updated and deactivated per run on a log scale, oldest on the left; the
          dotted line is each run's duration. {failed} of {runs.length}{" "}
          runs failed (red band){other.length > 0 ? `, ${other.length} ended otherwise` : ""}.
        </>
      }
    >
      <YAxis ticks={ticks} y={(v) => logY(v, top)} unit="users per run (log)" />
      <YAxis
        ticks={[0, maxMs]}
        y={(v) => linY(v, maxMs)}
        unit="duration"
        side="right"
        label={(v) => formatDuration(v)}
      />
      {runs.map((r, i) => (
        <RunBars
          r={r}
          x0={PAD.left + slot * i}
          slot={slot}
          bar={bar}
          top={top}
          zone={zone}
          label={i % labelEvery === 0}
        />
      ))}
      {runs.length > 1
        ? <polyline points={points} fill="none" stroke="#111827" stroke-dasharray="3 3" />
        : null}
    </ChartFrame>
  );
}

/**
 * Webhook events per hour on a linear axis: the total as a grey bar, the failed part in red.
 *
 * @example
 * ```tsx
 * <EventsChart hours={[{ hour: new Date("2025-10-19T10:00:00Z"), total: 12, failed: 1 }]} />
 * ```
 */
export function EventsChart({ hours }: { hours: readonly HourBucket[] }): Child {
  const zone = useContext(PageZone);
  const max = Math.max(1, ...hours.map((h) => h.total));
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  const slot = (W - PAD.left - PAD.right) / Math.max(1, hours.length);
  const total = hours.reduce((n, h) => n + h.total, 0);
  const failed = hours.reduce((n, h) => n + h.failed, 0);
  return (
    <ChartFrame
      name="events"
      data={{ "data-hours": String(hours.length) }}
      title={<>Webhook events per hour, last {hours.length} hours</>}
      desc={<>{num(total)} events received, {num(failed)} failed (red part of each bar).</>}
    >
      <YAxis ticks={ticks} y={(v) => linY(v, max)} unit="events per hour" />
      {hours.map((h, i) => {
        const x = PAD.left + slot * i;
        return (
          <g class={h.failed > 0 ? "hour failed" : "hour"}>
            <title>
              {`${zone.format(h.hour)}: ${num(h.total)} events, ${num(h.failed)} failed`}
            </title>
            <rect
              class="bar total"
              x={x}
              y={linY(h.total, max)}
              width={Math.max(1, slot - 1)}
              height={BASE - linY(h.total, max)}
              fill="#9ca3af"
            />
            <rect
              class="bar failed"
              x={x}
              y={linY(h.failed, max)}
              width={Math.max(1, slot - 1)}
              height={BASE - linY(h.failed, max)}
              fill="#dc2626"
            />
            {i % 8 === 0 ? <TimeLabel d={h.hour} x={x + slot / 2} zone={zone} /> : null}
          </g>
        );
      })}
    </ChartFrame>
  );
}

/**
 * Buckets event times into whole hours ending at `now`'s hour (pure).
 *
 * @example
 * ```ts
 * hourBuckets([{ receivedAt: new Date("2025-10-19T10:20:00Z"), status: "failed" }], new Date("2025-10-19T11:05:00Z"), 2);
 * // [{ hour: 10:00, total: 1, failed: 1 }, { hour: 11:00, total: 0, failed: 0 }]
 * ```
 */
export function hourBuckets(
  events: readonly { receivedAt: Date; status: string }[],
  now: Date,
  hours: number,
): HourBucket[] {
  const HOUR = 3_600_000;
  const last = Math.floor(now.getTime() / HOUR) * HOUR;
  const first = last - (hours - 1) * HOUR;
  const out = Array.from({ length: hours }, (_, i) => ({
    hour: new Date(first + i * HOUR),
    total: 0,
    failed: 0,
  }));
  for (const e of events) {
    const i = Math.floor((e.receivedAt.getTime() - first) / HOUR);
    if (i < 0 || i >= hours) continue;
    out[i]!.total++;
    if (e.status === "failed") out[i]!.failed++;
  }
  return out;
}

/**
 * The sync page's trend at a glance, as server-rendered SVG: one group of
 * bars per recent run (created, updated, deactivated users; failed runs
 * marked) with its duration as a line, and webhook events per hour with the
 * failed ones stacked in red. Pure functions from data to markup: no script,
 * no library; JSX escapes every text; each chart carries <title> and <desc>
 * and a plain-text summary, so it reads without JavaScript or sight.
 *
 * @module
 */
import type { Child } from "hono/jsx";

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
const H = 160;
const PAD = { top: 12, bottom: 22, left: 8, right: 8 };
const COLORS = { created: "#16a34a", updated: "#2563eb", deactivated: "#d97706" } as const;
const FAILED = new Set(["failed", "aborted", "interrupted"]);

const scale = (v: number, max: number) => (max <= 0 ? 0 : (v / max) * (H - PAD.top - PAD.bottom));
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/** What both charts share: the accessible SVG frame, its title, description and base line. */
function ChartFrame(p: {
  name: string;
  data: Record<string, string>;
  title: Child;
  desc: Child;
  children: Child;
}): Child {
  const id = `trend-${p.name}`;
  const base = H - PAD.bottom;
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
      <line x1={PAD.left} y1={base} x2={W - PAD.right} y2={base} stroke="#d1d5db" />
      {p.children}
    </svg>
  );
}

/**
 * Bars per run: created, updated and deactivated users side by side, a red
 * cross over a failed run, the duration as a dotted line on its own scale.
 *
 * @example
 * ```tsx
 * <RunsChart runs={[{ startedAt, status: "success", durationMs: 1200, created: 3, updated: 1, deactivated: 0, label: "full" }]} />
 * ```
 */
export function RunsChart({ runs }: { runs: readonly TrendRun[] }): Child {
  const max = Math.max(1, ...runs.flatMap((r) => [r.created, r.updated, r.deactivated]));
  const maxMs = Math.max(1, ...runs.map((r) => r.durationMs ?? 0));
  const slot = (W - PAD.left - PAD.right) / Math.max(1, runs.length);
  const bar = Math.max(2, (slot - 6) / 3);
  const base = H - PAD.bottom;
  const failed = runs.filter((r) => FAILED.has(r.status)).length;
  const points = runs.map((r, i) =>
    `${PAD.left + slot * i + slot / 2},${base - scale(r.durationMs ?? 0, maxMs)}`
  ).join(" ");
  return (
    <ChartFrame
      name="runs"
      data={{ "data-runs": String(runs.length) }}
      title={<>Last {runs.length} sync runs</>}
      desc={
        <>
          Users created (green), updated (blue) and deactivated (amber) per run, oldest on the left;
          the dotted line is each run's duration. {failed} of {runs.length}{" "}
          runs failed, marked with a red cross.
        </>
      }
    >
      {runs.map((r, i) => {
        const x = PAD.left + slot * i + 3;
        const bad = FAILED.has(r.status);
        return (
          <g class={bad ? "run failed" : "run"} data-status={r.status}>
            <title>
              {`${r.label} ${r.startedAt.toISOString()} ${r.status}: ${r.created} created, ${r.updated} updated, ${r.deactivated} deactivated` +
                (r.durationMs !== null ? `, ${r.durationMs} ms` : "")}
            </title>
            {(["created", "updated", "deactivated"] as const).map((k, j) => (
              <rect
                class={`bar ${k}`}
                x={x + j * bar}
                y={base - scale(r[k], max)}
                width={bar - 1}
                height={scale(r[k], max)}
                fill={COLORS[k]}
              />
            ))}
            {bad
              ? (
                <path
                  class="fail-mark"
                  d={`M${x} ${PAD.top} l${bar * 3} ${bar * 3} M${x + bar * 3} ${PAD.top} l${
                    -bar * 3
                  } ${bar * 3}`}
                  stroke="#dc2626"
                  stroke-width="2"
                />
              )
              : null}
            <text x={x} y={H - 6} font-size="10" fill="#6b7280">{hhmm(r.startedAt)}</text>
          </g>
        );
      })}
      {runs.length > 1
        ? <polyline points={points} fill="none" stroke="#111827" stroke-dasharray="3 3" />
        : null}
    </ChartFrame>
  );
}

/**
 * Webhook events per hour: the total as a grey bar, the failed part in red.
 *
 * @example
 * ```tsx
 * <EventsChart hours={[{ hour: new Date("2025-10-19T10:00:00Z"), total: 12, failed: 1 }]} />
 * ```
 */
export function EventsChart({ hours }: { hours: readonly HourBucket[] }): Child {
  const max = Math.max(1, ...hours.map((h) => h.total));
  const slot = (W - PAD.left - PAD.right) / Math.max(1, hours.length);
  const base = H - PAD.bottom;
  const total = hours.reduce((n, h) => n + h.total, 0);
  const failed = hours.reduce((n, h) => n + h.failed, 0);
  return (
    <ChartFrame
      name="events"
      data={{ "data-hours": String(hours.length) }}
      title={<>Webhook events per hour, last {hours.length} hours</>}
      desc={<>{total} events received, {failed} failed (red part of each bar).</>}
    >
      {hours.map((h, i) => {
        const x = PAD.left + slot * i;
        return (
          <g class={h.failed > 0 ? "hour failed" : "hour"}>
            <title>{`${h.hour.toISOString()}: ${h.total} events, ${h.failed} failed`}</title>
            <rect
              class="bar total"
              x={x}
              y={base - scale(h.total, max)}
              width={Math.max(1, slot - 1)}
              height={scale(h.total, max)}
              fill="#9ca3af"
            />
            <rect
              class="bar failed"
              x={x}
              y={base - scale(h.failed, max)}
              width={Math.max(1, slot - 1)}
              height={scale(h.failed, max)}
              fill="#dc2626"
            />
            {i % 6 === 0
              ? <text x={x} y={H - 6} font-size="10" fill="#6b7280">{hhmm(h.hour)}</text>
              : null}
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

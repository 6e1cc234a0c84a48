/**
 * The sync page's trend card: the chart of the last runs and of webhook
 * events per hour (trend-chart.tsx draws them).
 *
 * @module
 */
import type { HistoryRow, SyncPageData } from "./page-data.ts";
import { isDirectoryRun, num, typeLabel } from "./page-format.tsx";
import { formatDuration } from "../../shared/duration.ts";
import {
  CHART_COLORS,
  EventsChart,
  FAILED_STATUSES,
  type HourBucket,
  RunsChart,
  type TrendRun,
} from "./trend-chart.tsx";

/** Sync runs of the history, oldest first, as the trend draws them (no dry runs, no purges). */
function trendRuns(rows: readonly HistoryRow[]): TrendRun[] {
  return rows
    .filter((r) => isDirectoryRun(r) && !r.dryRun && r.status !== "running")
    .map((r) => ({
      startedAt: r.startedAt,
      status: r.status,
      durationMs: r.durationMs ?? null,
      created: r.stats.usersCreated,
      updated: r.stats.usersUpdated,
      deactivated: r.stats.usersDeactivated,
      label: typeLabel(r.type),
    }))
    .reverse();
}

/**
 * The trend card: the last runs, and webhook events per hour when this runner
 * takes them. Nothing when there is neither.
 *
 * @example
 * ```tsx
 * <TrendCard data={data} />
 * ```
 */
export function TrendCard({ data }: { data: SyncPageData }) {
  const runs = trendRuns(data.history);
  if (runs.length === 0 && data.eventHours === null) return null;
  return (
    <section class="card" id="trend">
      <h2>Trend</h2>
      {runs.length > 0
        ? (
          <>
            <RunsLegend runs={runs} />
            <RunsChart runs={runs} />
          </>
        )
        : <p class="empty">No finished sync yet.</p>}
      {data.eventHours
        ? (
          <>
            <EventsLegend hours={data.eventHours} />
            <EventsChart hours={data.eventHours} />
          </>
        )
        : null}
    </section>
  );
}

const Key = ({ color, text }: { color: string; text: string }) => (
  <span>
    <i style={`background:${color};border:1px solid #9ca3af`} />
    {text}
  </span>
);

/** What the runs chart shows, in words above it: series, bands (only those drawn) and duration. */
function RunsLegend({ runs }: { runs: readonly TrendRun[] }) {
  const longest = Math.max(0, ...runs.map((r) => r.durationMs ?? 0));
  const failed = runs.filter((r) => FAILED_STATUSES.has(r.status)).length;
  const others = [
    ...new Set(
      runs.filter((r) => r.status !== "success" && !FAILED_STATUSES.has(r.status)).map((r) =>
        r.status
      ),
    ),
  ];
  return (
    <p class="legend" id="trend-runs-legend">
      <b>Last {runs.length} full and delta runs</b>
      <Key color={CHART_COLORS.created} text="users created" />
      <Key color={CHART_COLORS.updated} text="users updated" />
      <Key color={CHART_COLORS.deactivated} text="users deactivated" />
      <span>
        <i class="line" />duration (right axis, longest {formatDuration(longest)})
      </span>
      {failed > 0
        ? <Key color={CHART_COLORS.failedBand} text={`${failed} failed, aborted or interrupted`} />
        : null}
      {others.length > 0
        ? <Key color={CHART_COLORS.otherBand} text={`ended ${others.join(", ")}`} />
        : null}
    </p>
  );
}

/** What the events chart shows, in words above it. */
function EventsLegend({ hours }: { hours: readonly HourBucket[] }) {
  const total = hours.reduce((n, h) => n + h.total, 0);
  const failed = hours.reduce((n, h) => n + h.failed, 0);
  return (
    <p class="legend" id="trend-events-legend">
      <b>Webhook events per hour, last {hours.length} hours</b>
      <Key color="#9ca3af" text={`${num(total)} received`} />
      <Key color="#dc2626" text={`${num(failed)} failed`} />
    </p>
  );
}

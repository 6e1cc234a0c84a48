/**
 * The sync page's trend card: the chart of the last runs and of webhook
 * events per hour (trend-chart.tsx draws them).
 *
 * @module
 */
import type { HistoryRow, SyncPageData } from "./page-data.ts";
import { isDirectoryRun, typeLabel } from "./page-format.tsx";
import { EventsChart, RunsChart, type TrendRun } from "./trend-chart.tsx";

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
      {runs.length > 0 ? <RunsChart runs={runs} /> : <p class="empty">No finished sync yet.</p>}
      {data.eventHours ? <EventsChart hours={data.eventHours} /> : null}
    </section>
  );
}

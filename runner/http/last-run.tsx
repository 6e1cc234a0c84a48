/**
 * The sync page's "Last sync" card: the statistics of the newest finished run.
 *
 * @module
 */
import { formatDuration } from "../../shared/duration.ts";
import type { HistoryRow } from "./page-data.ts";
import { Badge, num, Time, typeLabel } from "./page-format.tsx";

/**
 * The last run's card.
 *
 * @example
 * ```tsx
 * <LastRun row={data.history.find((r) => r.status !== "running")} />
 * ```
 */
export function LastRun({ row }: { row: HistoryRow | undefined }) {
  if (!row) {
    return (
      <section class="card">
        <h2>Last sync</h2>
        <p class="empty">No sync has run yet.</p>
      </section>
    );
  }
  const s = row.stats;
  const items: Array<[string, number]> = [
    ["Users created", s.usersCreated],
    ["Users updated", s.usersUpdated],
    ["Users unchanged", s.usersUnchanged],
    ["Users deactivated", s.usersDeactivated],
    // Matching's outcomes, only when it happened: most runs link nobody.
    ...(s.usersLinked ? [["Users linked", s.usersLinked] as [string, number]] : []),
    ...(s.usersRelinked ? [["Users relinked", s.usersRelinked] as [string, number]] : []),
    ["Org units created", s.orgUnitsCreated],
    ["Org units updated", s.orgUnitsUpdated],
    ["Org units unchanged", s.orgUnitsUnchanged],
    ["Errors", s.errors.length],
  ];
  return (
    <section class="card" id="last-run">
      <h2>
        Last sync <Badge status={row.status} />
      </h2>
      <p class="sub" style="margin:-6px 0 12px">
        {typeLabel(row.type)} sync started <Time d={row.startedAt} />
        {row.durationMs !== undefined ? `, took ${formatDuration(row.durationMs)}` : ""}
      </p>
      <div class="stats">
        {items.map(([label, n]) => (
          <div class="stat">
            <b>{num(n)}</b>
            <span>{label}</span>
          </div>
        ))}
      </div>
      {row.error ? <p class="err" style="color:var(--bad)">{row.error.message}</p> : null}
      {row.complete === false
        ? (
          <p class="err" id="incomplete">
            Listing incomplete, so nobody was deactivated by absence: {row.incompleteReason}
          </p>
        )
        : null}
    </section>
  );
}

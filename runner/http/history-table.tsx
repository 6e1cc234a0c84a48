/**
 * The sync page's history table: the last 20 `syncHistory` entries with their
 * counts, status (a `running` entry no runner holds shows as abandoned) and
 * errors.
 *
 * @module
 */
import { formatDuration } from "../../shared/duration.ts";
import type { HistoryRow } from "./page-data.ts";
import { Badge, num, Time, typeLabel } from "./page-format.tsx";

/** A run whose listing was not proven complete: nobody was deactivated by absence. */
const Incomplete = ({ row }: { row: HistoryRow }) =>
  row.complete === false
    ? (
      <>
        <span class="badge b-incomplete" title={row.incompleteReason ?? ""}>incomplete</span>
      </>
    )
    : null;

function Errors({ row }: { row: HistoryRow }) {
  const errs = row.stats.errors;
  if (!row.error && errs.length === 0) return <span class="sub">—</span>;
  return (
    <details>
      <summary>
        {row.error ? row.error.code : `${errs.length} error${errs.length === 1 ? "" : "s"}`}
      </summary>
      <ul class="err">
        {row.error ? <li>{row.error.message}</li> : null}
        {errs.slice(0, 20).map((e) => <li>{e.resourceType} {e.resourceId ?? ""}: {e.message}</li>)}
        {errs.length > 20 ? <li>… and {errs.length - 20} more</li> : null}
      </ul>
    </details>
  );
}

/** "(3 linked, 1 relinked)" under a run's user counts when matching linked anyone. */
function linkedNote(s: HistoryRow["stats"]) {
  const parts = [
    s.usersLinked ? `${num(s.usersLinked)} linked` : "",
    s.usersRelinked ? `${num(s.usersRelinked)} relinked` : "",
  ].filter((x) => x !== "");
  return parts.length === 0 ? null : <span class="sub">({parts.join(", ")})</span>;
}

/**
 * The two count cells: created/updated/unchanged/deactivated for a sync, the
 * hard deletes for a purge (its record has no such counts: 0/0/0/0 would say
 * nothing happened).
 */
function Counts({ row: r }: { row: HistoryRow }) {
  if (r.type === "purge") {
    const n = r.stats.usersDeleted ?? 0;
    return (
      <>
        <td data-label="Users c/u/=/d" class="num">
          {num(n)} deleted
        </td>
        <td data-label="Org units c/u/=/d" class="num">—</td>
      </>
    );
  }
  const s = r.stats;
  return (
    <>
      <td data-label="Users c/u/=/d" class="num">
        {num(s.usersCreated)}/{num(s.usersUpdated)}/{num(s.usersUnchanged)}/{num(
          s.usersDeactivated,
        )}
        {linkedNote(s)}
      </td>
      <td data-label="Org units c/u/=/d" class="num">
        {num(s.orgUnitsCreated)}/{num(s.orgUnitsUpdated)}/{num(s.orgUnitsUnchanged)}/{num(
          s.orgUnitsDeactivated,
        )}
      </td>
    </>
  );
}

/**
 * The history table.
 *
 * @example
 * ```tsx
 * <HistoryTable rows={data.history} liveId={null} />
 * ```
 */
export function HistoryTable({ rows, liveId }: { rows: HistoryRow[]; liveId: string | null }) {
  const st = (
    r: HistoryRow,
  ) => (r.status === "running" && r._id !== liveId ? "abandoned" : r.status);
  return (
    <section class="card">
      <h2>
        Sync history <span class="sub">(last 20)</span>
      </h2>
      {rows.length === 0 ? <p class="empty">No syncs recorded yet.</p> : (
        <div class="table-wrap">
          <table class="stack" id="history">
            <thead>
              <tr>
                <th>Started</th>
                <th>Type</th>
                <th>Status</th>
                <th>Duration</th>
                <th>Users c/u/=/d</th>
                <th>Org units c/u/=/d</th>
                <th>Errors</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-status={st(r)}>
                  <td data-label="Started">
                    <Time d={r.startedAt} />
                  </td>
                  <td data-label="Type">{typeLabel(r.type)}{r.dryRun ? " (dry run)" : ""}</td>
                  <td data-label="Status">
                    <Badge status={st(r)} />
                    <Incomplete row={r} />
                  </td>
                  <td data-label="Duration" class="num">
                    {r.durationMs !== undefined ? formatDuration(r.durationMs) : "—"}
                  </td>
                  <Counts row={r} />
                  <td data-label="Errors" class="wide">
                    <Errors row={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

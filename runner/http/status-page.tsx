/**
 * The brief's sync page (`/modules/sync`), server-rendered with Hono JSX:
 * the connection box, the "🔄 Sync All Data" button (a plain form POST), the
 * last run's statistics, the next scheduled run, the last 20 syncHistory
 * entries and the last 50 webhook events. JSX escapes every value.
 *
 * @module
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { formatDuration } from "../../shared/duration.ts";
import type { Job } from "../scheduler/types.ts";
import { PAGE_CSS, PAGE_SCRIPT } from "./page-assets.ts";
import type { Connection, EventRow, Flash, HistoryRow, SyncPageData } from "./page-data.ts";
import { PreviewPanel } from "./preview-panel.tsx";
import { EventsChart, RunsChart, type TrendRun } from "./trend-chart.tsx";
import { PersonSearch } from "./person-view.tsx";

const fmt = (d: Date) => d.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
const Time = ({ d }: { d: Date }) => <time datetime={d.toISOString()}>{fmt(d)}</time>;
const Badge = ({ status }: { status: string }) => <span class={`badge b-${status}`}>{status}</span>;
const typeLabel = (
  t: string,
) => (t === "scim_delta_sync" ? "delta" : t === "scim_full_sync" ? "full" : t);

function ConnectionBox({ c, sso }: { c: Connection; sso: string }) {
  if (!c.ok) {
    return (
      <div class="box bad" id="connection">
        <strong>❌ Connection Failed</strong>
        <div class="err">{c.error}</div>
        <p style="margin:10px 0 0">Check that:</p>
        <ul>
          <li>Aksara SSO is running ({sso})</li>
          <li>SCIM client credentials are correct</li>
          <li>No firewall blocking the connection</li>
        </ul>
      </div>
    );
  }
  const { bulk, filter } = c.config;
  return (
    <div class="box ok" id="connection">
      <strong>✅ Connected to Aksara SSO</strong>
      <dl class="kv">
        <dt>Bulk Operations</dt>
        <dd>
          {bulk.supported
            ? `Supported${bulk.maxOperations ? ` (max ${bulk.maxOperations})` : ""}`
            : "Not supported"}
        </dd>
        <dt>Filtering support</dt>
        <dd>{filter.supported ? "Supported" : "Not supported"}</dd>
        <dt>Max Results</dt>
        <dd>{filter.maxResults ?? "not stated"}</dd>
        <dt>SSO</dt>
        <dd>{sso}</dd>
      </dl>
    </div>
  );
}

function progressText(job: Job): string {
  const p = job.progress;
  if (!p) return "🔄 Starting synchronization…";
  return `${p.phase}: ${p.fetched}${p.total !== null ? ` of ${p.total}` : ""} (page ${p.pageNo})`;
}

function SyncPanel({ data, canPreview }: { data: SyncPageData; canPreview: boolean }) {
  const { job, elsewhere, holder } = data.running;
  const busy = job !== null || elsewhere !== null;
  return (
    <section class="card">
      <h2>Synchronization</h2>
      <p class="sub" style="margin:-4px 0 12px">
        Fetches every organizational unit and user from Aksara SSO and brings OFM's database in
        step.
      </p>
      <form id="sync-form" method="post" action="/modules/sync" class="actions">
        <button class="btn" type="submit" disabled={busy}>🔄 Sync All Data</button>
        {canPreview
          ? (
            <button
              class="btn secondary"
              type="submit"
              form="preview-form"
              title="What a full sync would change now, without writing anything"
            >
              🧪 Preview
            </button>
          )
          : null}
        <span class="sub">
          {data.next
            ? (
              <>
                Next scheduled sync: <b>{data.next.type}</b> at <Time d={data.next.at} /> (in{" "}
                {formatDuration(
                  Math.max(0, data.next.at.getTime() - data.now.getTime()),
                )})
              </>
            )
            : busy
            ? "Next run is planned when this one ends"
            : "No sync scheduled on this runner"}
        </span>
      </form>
      {canPreview ? <form id="preview-form" method="post" action="/modules/sync/preview" /> : null}
      <div
        id="progress"
        class="progress"
        hidden={job === null && elsewhere === null}
        data-run-id={job?.runId}
      >
        <span class="progress-text">
          {job
            ? progressText(job)
            : elsewhere
            ? `🔄 A ${typeLabel(elsewhere.type)} sync is running on ${
              holder ?? "another runner"
            } since ${fmt(elsewhere.startedAt)}`
            : ""}
        </span>
        <div class="bar">
          <span />
        </div>
      </div>
    </section>
  );
}

function LastRun({ row }: { row: HistoryRow | undefined }) {
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
            <b>{n}</b>
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

function HistoryTable({ rows, liveId }: { rows: HistoryRow[]; liveId: string | null }) {
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
                  <td data-label="Users c/u/=/d" class="num">
                    {r.stats.usersCreated}/{r.stats.usersUpdated}/{r.stats.usersUnchanged}/{r.stats
                      .usersDeactivated}
                  </td>
                  <td data-label="Org units c/u/=/d" class="num">
                    {r.stats.orgUnitsCreated}/{r.stats.orgUnitsUpdated}/{r.stats
                      .orgUnitsUnchanged}/{r.stats.orgUnitsDeactivated}
                  </td>
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

function EventsTable({ rows }: { rows: EventRow[] | null }) {
  return (
    <section class="card">
      <h2>
        Webhook events <span class="sub">(last 50)</span>
      </h2>
      {rows === null
        ? <p class="empty">Webhook ingestion is not enabled on this runner.</p>
        : rows.length === 0
        ? <p class="empty">No webhook events received yet.</p>
        : (
          <div class="table-wrap">
            <table class="stack" id="events">
              <thead>
                <tr>
                  <th>Received</th>
                  <th>Event</th>
                  <th>Resource</th>
                  <th>Status</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr>
                    <td data-label="Received">
                      <Time d={e.receivedAt} />
                    </td>
                    <td data-label="Event">{e.event}</td>
                    <td data-label="Resource" class="err">{e.resourceType} {e.resourceId}</td>
                    <td data-label="Status">
                      <Badge status={e.status} />
                    </td>
                    <td data-label="Error" class="wide">{e.error ?? <span class="sub">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

/** Webhook deactivations the guard held: listed, and applied only by an operator's press. */
function HeldTable({ rows }: { rows: EventRow[] | null }) {
  if (rows === null || rows.length === 0) return null;
  return (
    <section class="card" id="held">
      <h2>
        Held deactivations <span class="sub">({rows.length})</span>
      </h2>
      <p class="sub" style="margin:-4px 0 12px">
        These webhook events would deactivate more than SYNC_MAX_DEACTIVATE allows within
        SYNC_GUARD_WINDOW. They are stored and not applied. Check them against the SSO; applying
        them deactivates each one now.
      </p>
      <form method="post" action="/api/v1/scim/sync/held" class="actions">
        <button class="btn" type="submit">
          Apply {rows.length} held deactivation{rows.length === 1 ? "" : "s"}
        </button>
      </form>
      <div class="table-wrap">
        <table class="stack" id="held-events">
          <thead>
            <tr>
              <th>Received</th>
              <th>Event</th>
              <th>Resource</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr>
                <td data-label="Received">
                  <Time d={e.receivedAt} />
                </td>
                <td data-label="Event">{e.event}</td>
                <td data-label="Resource" class="err">{e.resourceType} {e.resourceId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Sync runs of the history, oldest first, as the trend draws them (no dry runs, no purges). */
function trendRuns(rows: readonly HistoryRow[]): TrendRun[] {
  return rows
    .filter((r) => r.type.startsWith("scim_") && !r.dryRun && r.status !== "running")
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

/** The trend card: the last runs, and webhook events per hour when this runner takes them. */
function TrendCard({ data }: { data: SyncPageData }) {
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

const Alert = ({ flash }: { flash: Flash }) => (
  <div class={`alert ${flash.kind}`} role={flash.kind === "error" ? "alert" : "status"} id="flash">
    <strong>{flash.title}</strong>
    {flash.text}
  </div>
);

/**
 * Renders the whole page.
 *
 * @example
 * ```ts
 * return c.html(<SyncPage data={await loadSyncPage(sources, null)} />);
 * ```
 */
export function SyncPage(
  { data, canPreview = false }: { data: SyncPageData; canPreview?: boolean },
): Child {
  const newestRunning = data.history.find((r) => r.status === "running")?._id ?? null;
  const live = data.running.job
    ? data.running.job.historyId ?? newestRunning
    : data.running.elsewhere?._id ?? null;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>SCIM Sync · OFM</title>
        {data.running.job || data.running.elsewhere
          ? (
            <noscript>
              <meta http-equiv="refresh" content="2" />
            </noscript>
          )
          : null}
        <style>{raw(PAGE_CSS)}</style>
      </head>
      <body>
        <main>
          <header>
            <h1>SCIM Synchronization</h1>
            <span class="sub">
              Aksara SSO → OFM · page rendered <Time d={data.now} />
            </span>
          </header>
          {data.flash ? <Alert flash={data.flash} /> : null}
          <div class="grid">
            <section class="card">
              <h2>Connection</h2>
              <ConnectionBox c={data.connection} sso={data.ssoBaseUrl} />
            </section>
            <SyncPanel data={data} canPreview={canPreview} />
          </div>
          <PersonSearch />
          {data.preview ? <PreviewPanel preview={data.preview} /> : null}
          <HeldTable rows={data.held} />
          <LastRun row={data.history.find((r) => r.status !== "running")} />
          <TrendCard data={data} />
          <HistoryTable rows={data.history} liveId={live} />
          <EventsTable rows={data.events} />
          {data.skippedRows > 0
            ? (
              <p class="sub">
                {data.skippedRows} stored entries could not be read and are not shown.
              </p>
            )
            : null}
        </main>
        <script>{raw(PAGE_SCRIPT)}</script>
      </body>
    </html>
  );
}

/**
 * The brief's sync page (`/modules/sync`), server-rendered with Hono JSX:
 * a header with the state of the last run and of the last *full* sync, the
 * connection box, the "Sync All Data" button (a plain form POST), the
 * person search, the last run's statistics, the next scheduled run, the
 * trend, the last 20 syncHistory entries and the last 50 webhook events.
 * JSX escapes every value; times are in PAGE_TIME_ZONE.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { ConnectionBox } from "./connection-box.tsx";
import { EventsTable } from "./events-table.tsx";
import { HeldPanel } from "./held-panel.tsx";
import { HistoryTable } from "./history-table.tsx";
import { LastRun } from "./last-run.tsx";
import { Mark, type MarkName } from "./marks.tsx";
import { PAGE_SCRIPT } from "./page-assets.ts";
import type { Flash, HistoryRow, SyncPageData } from "./page-data.ts";
import {
  Badge,
  isDirectoryRun,
  Time,
  type TimeFormat,
  typeLabel,
  UTC_FORMAT,
} from "./page-format.tsx";
import { PageShell } from "./page-shell.tsx";
import { PersonSearch } from "./person-search-view.tsx";
import { PreviewPanel } from "./preview-panel.tsx";
import { SyncPanel } from "./sync-panel.tsx";
import { TrendCard } from "./trend-card.tsx";

const FLASH_MARK: Record<Flash["kind"], MarkName> = { success: "ok", error: "bad", info: "info" };

const Alert = ({ flash }: { flash: Flash }) => (
  <div class={`alert ${flash.kind}`} role={flash.kind === "error" ? "alert" : "status"} id="flash">
    <strong>
      <Mark name={flash.mark ?? FLASH_MARK[flash.kind]} /> {flash.title}
    </strong>
    {flash.text}
  </div>
);

/** One run in the header: its badge, type and start, or what is missing. */
function RunState({ label, row, id }: { label: string; row: HistoryRow | null; id: string }) {
  return (
    <span class="run-state" id={id} data-status={row?.status ?? "none"}>
      {label}: {row
        ? (
          <>
            <Badge status={row.complete === false ? "incomplete" : row.status} />{" "}
            {typeLabel(row.type)} <Time d={row.startedAt} />
          </>
        )
        : "none yet"}
    </span>
  );
}

/**
 * Renders the whole page.
 *
 * @example
 * ```tsx
 * return c.html(<SyncPage data={await loadSyncPage(sources, null)} zone={timeFormat("UTC")} />);
 * ```
 */
export function SyncPage(
  { data, canPreview = false, zone = UTC_FORMAT, notice = null }: {
    data: SyncPageData;
    canPreview?: boolean;
    zone?: TimeFormat;
    /** Shown above the flash (the quarantine notice). */
    notice?: Child;
  },
): Child {
  const newestRunning = data.history.find((r) => r.status === "running")?._id ?? null;
  const live = data.running.job
    ? data.running.job.historyId ?? newestRunning
    : data.running.elsewhere?._id ?? null;
  const lastRun = data.history.find((r) => r.status !== "running" && isDirectoryRun(r)) ?? null;
  const refresh = data.running.job || data.running.elsewhere
    ? (
      <noscript>
        <meta http-equiv="refresh" content="2" />
      </noscript>
    )
    : null;
  return (
    <PageShell
      title="SCIM Synchronization"
      heading="SCIM Synchronization"
      zone={zone}
      head={refresh}
      script={PAGE_SCRIPT}
      sub={
        <>
          <RunState label="Last run" row={lastRun} id="last-run-state" /> ·{" "}
          <RunState label="Last full sync" row={data.lastFull} id="last-full-state" />
          <br />
          Aksara SSO → OFM · page rendered <Time d={data.now} /> · times in {zone.zone}
        </>
      }
    >
      {notice}
      {data.flash ? <Alert flash={data.flash} /> : null}
      <div class="grid">
        <section class="card">
          <h2>Connection</h2>
          <ConnectionBox c={data.connection} sso={data.ssoBaseUrl} />
        </section>
        <SyncPanel data={data} canPreview={canPreview} />
      </div>
      <PersonSearch />
      {data.preview
        ? <PreviewPanel preview={data.preview} previewId={data.previewId ?? null} />
        : null}
      <HeldPanel data={data.held} />
      <LastRun row={lastRun ?? undefined} />
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
    </PageShell>
  );
}

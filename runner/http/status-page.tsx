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
import { ConnectionBox } from "./connection-box.tsx";
import { EventsTable } from "./events-table.tsx";
import { HeldTable } from "./held-card.tsx";
import { HistoryTable } from "./history-table.tsx";
import { LastRun } from "./last-run.tsx";
import { PAGE_CSS, PAGE_SCRIPT } from "./page-assets.ts";
import type { Flash, SyncPageData } from "./page-data.ts";
import { isDirectoryRun, Time } from "./page-format.tsx";
import { PersonSearch } from "./person-view.tsx";
import { PreviewPanel } from "./preview-panel.tsx";
import { SyncPanel } from "./sync-panel.tsx";
import { TrendCard } from "./trend-card.tsx";

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
          <LastRun row={data.history.find((r) => r.status !== "running" && isDirectoryRun(r))} />
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

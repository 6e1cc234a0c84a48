/**
 * The sync page's actions: the "🔄 Sync All Data" button (a plain form POST),
 * the "🧪 Preview" button, the next scheduled run and the progress bar of a
 * running sync (here or on another runner).
 *
 * @module
 */
import { formatDuration } from "../../shared/duration.ts";
import type { Job } from "../scheduler/types.ts";
import type { SyncPageData } from "./page-data.ts";
import { Mark } from "./marks.tsx";
import { num, Time, typeLabel } from "./page-format.tsx";

function progressText(job: Job): string {
  const p = job.progress;
  if (!p) return "Starting synchronization…";
  return `${p.phase}: ${num(p.fetched)}${p.total !== null ? ` of ${num(p.total)}` : ""} (page ${
    num(p.pageNo)
  })`;
}

/**
 * The actions card.
 *
 * @example
 * ```tsx
 * <SyncPanel data={data} canPreview={true} />
 * ```
 */
export function SyncPanel({ data, canPreview }: { data: SyncPageData; canPreview: boolean }) {
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
        <button class="btn" type="submit" disabled={busy}>
          <Mark name="sync" /> Sync All Data
        </button>
        {canPreview
          ? (
            <button
              class="btn secondary"
              type="submit"
              form="preview-form"
              title="What a full sync would change now, without writing anything"
            >
              <Mark name="preview" /> Preview
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
          {job ? progressText(job) : elsewhere
            ? (
              <>
                A {typeLabel(elsewhere.type)} sync is running on {holder ?? "another runner"} since
                {" "}
                <Time d={elsewhere.startedAt} />
              </>
            )
            : ""}
        </span>
        <div class="bar">
          <span />
        </div>
      </div>
    </section>
  );
}

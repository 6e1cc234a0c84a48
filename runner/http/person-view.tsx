/**
 * The person view (`/modules/sync/people/:key`), server-rendered with Hono
 * JSX and no script: whether OFM is in step with the SSO (a banner a person
 * sees at once, also right after "Sync now"), the verdict with its recorded
 * cause and what to do, the next full sync, the field-by-field comparison
 * with names beside ids, the "Sync now" button (a plain form POST), the last
 * changes and webhook events. JSX escapes every value.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import type { PersonReport } from "../inspect/inspect-person.ts";
import { type AdviceContext, findingText } from "../inspect/verdict-words.ts";
import { Mark } from "./marks.tsx";
import { Badge, Time, type TimeFormat, UTC_FORMAT } from "./page-format.tsx";
import { BackLink, PageShell } from "./page-shell.tsx";
import { ChangeTable, EventTable } from "./person-history.tsx";
import { FIELD_LABELS, Named } from "./person-parts.tsx";
import { PersonSearch } from "./person-search-view.tsx";

export { PersonSearch };

const path = (key: string) => `/modules/sync/people/${encodeURIComponent(key)}`;

/** A banner after "Sync now". */
export interface PersonFlash {
  kind: "success" | "error" | "info";
  text: string;
}

const STATE = {
  in_step: { mark: "ok", title: "In step", text: "OFM agrees with the SSO." },
  out_of_step: {
    mark: "bad",
    title: "Out of step",
    text: "OFM differs from the SSO; see why below.",
  },
  unknown: { mark: "warn", title: "Unknown", text: "The SSO could not be asked." },
} as const;

/**
 * The person view.
 *
 * @example
 * ```tsx
 * c.html(<PersonPage report={report} flash={null} zone={timeFormat("UTC")} />);
 * ```
 */
export function PersonPage(
  { report, flash, zone = UTC_FORMAT }: {
    report: PersonReport;
    flash: PersonFlash | null;
    zone?: TimeFormat;
  },
): Child {
  const r = report;
  const name = [r.ofm?.firstName, r.ofm?.lastName].filter(Boolean).join(" ");
  const title = name || r.ofm?.email || r.ssoUserId || r.key;
  const state = STATE[r.state];
  return (
    <PageShell title={title} heading={title} sub={<BackLink />} zone={zone}>
      {flash
        ? (
          <div class={`alert ${flash.kind}`} id="person-flash" role="status">
            <Mark
              name={flash.kind === "success" ? "ok" : flash.kind === "error" ? "bad" : "info"}
            />{" "}
            {flash.text}
          </div>
        )
        : null}
      <section class={`card state s-${r.state}`} id="state" data-state={r.state}>
        <h2>
          <Mark name={state.mark} /> {state.title}
        </h2>
        <p>
          {r.ofm?.email ? `${r.ofm.email} · ` : null}
          {state.text}
        </p>
      </section>
      <Verdict report={r} zone={zone} />
      <FieldTable report={r} />
      <ChangeTable report={r} />
      <EventTable report={r} />
      <PersonSearch value={r.key} />
    </PageShell>
  );
}

function Verdict({ report: r, zone }: { report: PersonReport; zone: TimeFormat }) {
  const ctx: AdviceContext = {
    key: r.ssoUserId ?? r.key,
    nextFullSync: r.nextFullSyncAt ? zone.format(r.nextFullSyncAt) : null,
  };
  return (
    <section class="card" id="verdict">
      <h2>Verdict</h2>
      <ul>
        {r.findings.map((f) => <li data-cause={f.cause}>{findingText(f, "page", ctx)}</li>)}
      </ul>
      <p class="sub" id="next-full-sync">
        {r.nextFullSyncAt
          ? (
            <>
              Next full sync: <Time d={r.nextFullSyncAt} />.
            </>
          )
          : "No full sync is scheduled."}
      </p>
      {r.ssoUserId
        ? (
          <form method="post" action={`${path(r.ssoUserId)}/sync`} class="actions">
            <button class="btn" type="submit" id="sync-now">
              <Mark name="sync" /> Sync now
            </button>
          </form>
        )
        : null}
    </section>
  );
}

function FieldMark({ row, compared }: { row: PersonReport["fields"][number]; compared: boolean }) {
  if (!compared) return <span class="sub">not compared</span>;
  if (row.equal) {
    return (
      <span class="same">
        <Mark name="equal" /> same
      </span>
    );
  }
  return (
    <span class="differs">
      <Mark name="differs" /> {row.excluded ? "differs (excluded)" : "differs"}
    </span>
  );
}

function FieldTable({ report }: { report: PersonReport }) {
  const compared = report.live.kind === "ok";
  return (
    <section class="card" id="fields">
      <h2>OFM and the SSO, field by field</h2>
      {compared ? null : (
        <p class="sub">
          {report.live.kind === "absent"
            ? "The SSO has no record of this person (404): only OFM's values are shown."
            : "The SSO's record could not be read: only OFM's values are shown."}
        </p>
      )}
      <div class="table-wrap">
        <table class="stack">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">OFM</th>
              <th scope="col">SSO (mapped)</th>
              <th scope="col">Compared</th>
            </tr>
          </thead>
          <tbody>
            {report.fields.map((f) => (
              <tr data-field={f.field} data-equal={compared ? String(f.equal) : "unknown"}>
                <td data-label="Field">{FIELD_LABELS[f.field] ?? f.field}</td>
                <td data-label="OFM">
                  <Named value={f.ofm} names={report.names} />
                </td>
                <td data-label="SSO (mapped)">
                  {compared ? <Named value={f.sso} names={report.names} /> : "—"}
                </td>
                <td data-label="Compared">
                  <FieldMark row={f} compared={compared} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.ofm
        ? (
          <p class="sub">
            OFM record last written <Time d={new Date(report.ofm.updatedAt)} /> by{" "}
            {report.ofm.syncSource.replaceAll("_", " ")}; active in OFM:{" "}
            <Badge status={report.ofm.isActive ? "active" : "inactive"} />
          </p>
        )
        : null}
    </section>
  );
}

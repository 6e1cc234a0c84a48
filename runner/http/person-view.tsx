/**
 * The person view (`/modules/sync/people/:key`), server-rendered with Hono
 * JSX and no script: the verdict, the field-by-field comparison of OFM with
 * the directory, the "Sync now" button (a plain form POST), the last changes
 * and the last webhook events. Also the search box the sync page shows.
 * JSX escapes every value; the page's stylesheet is reused.
 *
 * @module
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { PersonReport } from "../inspect/inspect-person.ts";
import { PAGE_CSS } from "./page-assets.ts";

const show = (v: unknown) => (v === null || v === undefined ? "—" : String(v));
const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : show(d));
const path = (key: string) => `/modules/sync/people/${encodeURIComponent(key)}`;

/**
 * The search box of the sync page: a GET form, so it works without JavaScript.
 *
 * @example
 * ```tsx
 * <PersonSearch />
 * ```
 */
export function PersonSearch({ value = "" }: { value?: string }): Child {
  return (
    <section class="card" id="person-search">
      <h2>Find a person</h2>
      <form method="get" action="/modules/sync/people" class="actions">
        <input
          type="search"
          name="q"
          value={value}
          required
          maxlength={320}
          placeholder="email, SSO user id or employee number"
          aria-label="email, SSO user id or employee number"
        />
        <button class="btn secondary" type="submit">🔎 Inspect</button>
      </form>
    </section>
  );
}

/** A banner after "Sync now". */
export interface PersonFlash {
  kind: "success" | "error" | "info";
  text: string;
}

/**
 * The person view.
 *
 * @example
 * ```tsx
 * c.html(<PersonPage report={report} flash={null} />);
 * ```
 */
export function PersonPage(
  { report, flash }: { report: PersonReport; flash: PersonFlash | null },
): Child {
  const r = report;
  const title = r.ofm?.email ?? r.ssoUserId ?? r.key;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title} · SCIM Sync · OFM</title>
        <style>{raw(PAGE_CSS)}</style>
      </head>
      <body>
        <main>
          <header>
            <h1>{title}</h1>
            <span class="sub">
              <a href="/modules/sync">← SCIM Synchronization</a>
            </span>
          </header>
          {flash ? <div class={`alert ${flash.kind}`} id="person-flash">{flash.text}</div> : null}
          <PersonSearch value={r.key} />
          <section class="card" id="verdict">
            <h2>Verdict</h2>
            <ul>
              {r.findings.map((f) => <li data-cause={f.cause}>{f.text}</li>)}
            </ul>
            {r.ssoUserId
              ? (
                <form method="post" action={`${path(r.ssoUserId)}/sync`} class="actions">
                  <button class="btn" type="submit" id="sync-now">🔄 Sync now</button>
                </form>
              )
              : null}
          </section>
          <FieldTable report={r} />
          <ChangeTable report={r} />
          <EventTable report={r} />
        </main>
      </body>
    </html>
  );
}

function FieldTable({ report }: { report: PersonReport }) {
  return (
    <section class="card" id="fields">
      <h2>OFM and the SSO, field by field</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Field</th>
              <th>OFM</th>
              <th>SSO (mapped)</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {report.fields.map((f) => (
              <tr data-field={f.field} data-equal={String(f.equal)}>
                <td>{f.field}</td>
                <td>{show(f.ofm)}</td>
                <td>{show(f.sso)}</td>
                <td>{f.equal ? "✓" : f.excluded ? "≠ (excluded)" : "≠"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ChangeTable({ report }: { report: PersonReport }) {
  return (
    <section class="card" id="changes">
      <h2>Last changes</h2>
      {report.changes.length === 0
        ? <p class="empty">No change recorded.</p>
        : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>When</th>
                  <th>Action</th>
                  <th>Changes</th>
                  <th>Source</th>
                </tr>
              </thead>
              <tbody>
                {report.changes.map((c) => (
                  <tr data-action={c.action}>
                    <td>{iso(c.at)}</td>
                    <td>{c.action}</td>
                    <td>
                      {c.fields.map((f) =>
                        `${f}: ${show(c.values[f]?.old)} → ${show(c.values[f]?.new)}`
                      ).join("; ")}
                    </td>
                    <td>
                      {c.source.kind}{" "}
                      {"historyId" in c.source ? c.source.historyId : c.source.eventId}
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

function EventTable({ report }: { report: PersonReport }) {
  return (
    <section class="card" id="person-events">
      <h2>Last webhook events</h2>
      {report.events.length === 0
        ? <p class="empty">No webhook event recorded.</p>
        : (
          <div class="table-wrap">
            <table>
              <tbody>
                {report.events.map((e) => (
                  <tr>
                    <td>{iso(e.receivedAt)}</td>
                    <td>{e.event}</td>
                    <td>{e.status}</td>
                    <td>{show(e.change ?? e.error)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

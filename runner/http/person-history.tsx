/**
 * The person view's history cards: the last changes from the change log
 * (old → new per field, names beside ids, what wrote each change) and the
 * last webhook events about the person.
 *
 * @module
 */
import type { PersonReport } from "../inspect/inspect-person.ts";
import { Badge, Time } from "./page-format.tsx";
import { FIELD_LABELS, Named } from "./person-parts.tsx";

const SOURCES: Record<string, string> = {
  sync: "sync run",
  on_demand: "Sync now",
  webhook: "webhook event",
  held_event: "held event, approved",
  held_approval: "held deactivation, approved after run",
  purge: "purge",
};

type Change = PersonReport["changes"][number];

/**
 * What wrote a change, in words: "webhook event evt-1".
 *
 * @example
 * ```ts
 * sourceText({ kind: "on_demand", historyId: "665f…" }); // "Sync now 665f…"
 * ```
 */
export function sourceText(s: Change["source"]): string {
  const id = "historyId" in s ? s.historyId : s.eventId;
  return `${SOURCES[s.kind] ?? s.kind} ${id}`;
}

/**
 * The last changes card.
 *
 * @example
 * ```tsx
 * <ChangeTable report={report} />
 * ```
 */
export function ChangeTable({ report }: { report: PersonReport }) {
  return (
    <section class="card" id="changes">
      <h2>Last changes</h2>
      {report.changes.length === 0
        ? <p class="empty">No change recorded.</p>
        : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Changes</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {report.changes.map((c) => (
                  <tr data-action={c.action}>
                    <td data-label="When">
                      <Time d={new Date(c.at)} />
                    </td>
                    <td data-label="Action">{c.action}</td>
                    <td data-label="Changes" class="wide">
                      {c.fields.length === 0 ? <span class="sub">—</span> : (
                        <ul class="changes">
                          {c.fields.map((f) => (
                            <li data-field={f}>
                              {FIELD_LABELS[f] ?? f}:{" "}
                              <Named value={c.values[f]?.old} names={report.names} /> →{" "}
                              <Named value={c.values[f]?.new} names={report.names} />
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td data-label="By" class="err">{sourceText(c.source)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

/**
 * The last webhook events card.
 *
 * @example
 * ```tsx
 * <EventTable report={report} />
 * ```
 */
export function EventTable({ report }: { report: PersonReport }) {
  return (
    <section class="card" id="person-events">
      <h2>Last webhook events</h2>
      {report.events.length === 0
        ? <p class="empty">No webhook event recorded.</p>
        : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {report.events.map((e) => (
                  <tr data-status={e.status}>
                    <td data-label="Received">
                      <Time d={new Date(e.receivedAt)} />
                    </td>
                    <td data-label="Event">{e.event}</td>
                    <td data-label="Status">
                      <Badge status={e.status} />
                    </td>
                    <td data-label="Outcome" class="wide">{e.change ?? e.error ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

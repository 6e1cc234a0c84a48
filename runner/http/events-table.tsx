/**
 * The sync page's webhook events table: the last 50 `webhookEvents`.
 *
 * @module
 */
import type { EventRow } from "./page-data.ts";
import { Badge, Time } from "./page-format.tsx";

/**
 * The events table; `null` rows mean this runner takes no webhooks.
 *
 * @example
 * ```tsx
 * <EventsTable rows={data.events} />
 * ```
 */
export function EventsTable({ rows }: { rows: EventRow[] | null }) {
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

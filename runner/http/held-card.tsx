/**
 * The sync page's card of webhook deactivations held by the guard, with the
 * button that applies them.
 *
 * @module
 */
import type { EventRow } from "./page-data.ts";
import { Time } from "./page-format.tsx";

/**
 * Webhook deactivations the guard held: listed, and applied only by an
 * operator's press. Nothing when there are none.
 *
 * @example
 * ```tsx
 * <HeldTable rows={data.held} />
 * ```
 */
export function HeldTable({ rows }: { rows: EventRow[] | null }) {
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

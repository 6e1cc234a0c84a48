/**
 * The held deactivations panel: each person (or org unit) the gate kept
 * active — name (a link to the person view), email, department, why, since
 * when and by which run or event — 50 a page with the total, a checkbox per
 * row, Approve and Reject per row, for the selection and for all. Every
 * button posts to a confirmation that states the number (a plain form: it
 * works without JavaScript), and only the confirmation decides.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { REASON_TEXT } from "../documents/held-item.ts";
import type { HeldRow } from "../store/held-store.ts";
import { Mark } from "./marks.tsx";
import { num, Time } from "./page-format.tsx";

/** One page of held items, as the panel shows it. */
export interface HeldPanelData {
  page: number;
  pageSize: number;
  total: number;
  items: HeldRow[];
}

const personPath = (key: string) => `/modules/sync/people/${encodeURIComponent(key)}`;
const plural = (n: number, one: string, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;

/**
 * "3 held deactivations", with the number separated by thousands.
 *
 * @example
 * ```ts
 * heldCount(1200); // "1,200 held deactivations"
 * ```
 */
export const heldCount = (n: number): string =>
  plural(n, "held deactivation", "held deactivations");

/**
 * The name a row and its buttons are called by: the person's name, else the email, else the id.
 *
 * @example
 * ```ts
 * rowName({ name: null, email: "jane@ias.co.id", resourceId: "u1" }); // "jane@ias.co.id"
 * ```
 */
export const rowName = (i: Pick<HeldRow, "name" | "email" | "resourceId">): string =>
  i.name ?? i.email ?? i.resourceId;

/** An id shortened for the table, whole in its title (and in the API). */
const short = (id: string) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

/** Where the item came from, in words. */
function Source({ i }: { i: HeldRow }) {
  const [what, id] = i.source.kind === "sync"
    ? ["sync run", i.source.historyId]
    : ["webhook event", i.source.eventId];
  return (
    <span class="source" data-source={`${i.source.kind}:${id}`}>
      {what} <code title={id}>{short(id)}</code>
    </span>
  );
}

function Row({ i }: { i: HeldRow }) {
  const name = rowName(i);
  return (
    <tr data-held-id={i._id}>
      <td data-label="Select">
        <input type="checkbox" name="ids" value={i._id} aria-label={`Select ${name}`} />
      </td>
      <td data-label="Name">
        {i.resourceType === "User" ? <a href={personPath(i.resourceId)}>{name}</a> : name}
        {i.resourceType === "Group" ? <span class="sub">(org unit)</span> : null}
      </td>
      <td data-label="Email">{i.email ?? <span class="sub">—</span>}</td>
      <td data-label="Department">
        {i.departmentName ?? i.departmentId ?? <span class="sub">—</span>}
      </td>
      <td data-label="Reason" class="wide">
        {REASON_TEXT[i.reason]}
        {i.previous?.status === "rejected"
          ? (
            <div class="sub">
              rejected before by {i.previous.by}, <Time d={i.previous.at} />
            </div>
          )
          : null}
      </td>
      <td data-label="Held since">
        <Time d={i.since} />
        <div class="sub">
          {i.heldAt.getTime() !== i.since.getTime()
            ? (
              <>
                again <Time d={i.heldAt} />,{" "}
              </>
            )
            : "by "}
          <Source i={i} />
        </div>
      </td>
      <td data-label="Decide">
        <span class="row-actions">
          <button
            class="btn small"
            name="one"
            value={`apply:${i._id}`}
            aria-label={`Approve ${name}`}
          >
            Approve
          </button>
          <button
            class="btn small secondary"
            name="one"
            value={`reject:${i._id}`}
            aria-label={`Reject ${name}`}
          >
            Reject
          </button>
        </span>
      </td>
    </tr>
  );
}

/** Previous and next pages, with where this page is. */
function Pages({ data }: { data: HeldPanelData }) {
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const from = (data.page - 1) * data.pageSize + 1;
  const to = Math.min(data.total, data.page * data.pageSize);
  return (
    <nav class="pages" aria-label="Held deactivations pages">
      <span>
        {num(from)}–{num(to)} of {num(data.total)} · page {num(data.page)} of {num(pages)}
      </span>
      {data.page > 1
        ? <a href={`/modules/sync/held?page=${data.page - 1}`}>← Previous 50</a>
        : null}
      {data.page < pages
        ? <a href={`/modules/sync/held?page=${data.page + 1}`}>Next 50 →</a>
        : null}
    </nav>
  );
}

/**
 * The panel; nothing on the sync page when nobody is held (`always` shows it anyway).
 *
 * @example
 * ```tsx
 * <HeldPanel data={data.held} />
 * ```
 */
export function HeldPanel(
  { data, always = false }: { data: HeldPanelData | null; always?: boolean },
): Child {
  if (data === null || (data.total === 0 && !always)) return null;
  return (
    <section class="card" id="held" aria-labelledby="held-title">
      <h2 id="held-title">
        <Mark name="held" /> Held deactivations <span class="sub">({num(data.total)})</span>
      </h2>
      <p class="sub">
        The deactivation gate kept these active: deactivating them would pass SYNC_MAX_DEACTIVATE
        within SYNC_GUARD_WINDOW. Check them against the SSO. Approving asks the SSO about each
        first and deactivates only those it no longer has, or has as inactive; rejecting keeps them
        active (a later sync or webhook that would deactivate them holds them again).
      </p>
      {data.total === 0 ? <p class="empty">Nobody is held.</p> : <HeldForm data={data} />}
    </section>
  );
}

function HeldForm({ data }: { data: HeldPanelData }) {
  return (
    <form method="post" action="/modules/sync/held/confirm" id="held-form">
      <input type="hidden" name="count" value={String(data.total)} />
      <input type="hidden" name="page" value={String(data.page)} />
      <div class="held-actions">
        <button class="btn" name="action" value="apply">Approve selected</button>
        <button class="btn secondary" name="action" value="reject">Reject selected</button>
        <button class="btn" name="all" value="apply">Approve all {num(data.total)}</button>
        <button class="btn secondary" name="all" value="reject">
          Reject all {num(data.total)}
        </button>
      </div>
      <Pages data={data} />
      <div class="table-wrap">
        <table class="stack" id="held-table">
          <thead>
            <tr>
              <th scope="col">
                <span class="sr-only">Select</span>
              </th>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Department</th>
              <th scope="col">Reason</th>
              <th scope="col">Held since</th>
              <th scope="col">Decide</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((i) => <Row i={i} />)}
          </tbody>
        </table>
      </div>
      {data.total > data.pageSize ? <Pages data={data} /> : null}
    </form>
  );
}

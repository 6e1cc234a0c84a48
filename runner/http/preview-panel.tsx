/**
 * The sync page's preview card: what a full sync would create, update and
 * deactivate now — per person the fields that would change, old → new — the
 * first 50 of each list with "show all", the whole plan as JSON and CSV, and
 * the guard's verdict with its figures. Nothing was written.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { formatDuration } from "../../shared/duration.ts";
import type { PreviewEntry, PreviewKind, SyncPreview } from "../preview/sync-preview.ts";
import { REASON_TEXT } from "../documents/held-item.ts";
import { Mark } from "./marks.tsx";
import { num, Time } from "./page-format.tsx";
import { FIELD_LABELS, Named } from "./person-parts.tsx";

/** What a list of the plan does: the three of a sync, and (users) matching's link and match. */
export type PlanAction = "create" | "update" | "deactivate" | "link" | "match";
/** The kind and action of one list, as the "show all" link names it (`users.update`). */
export type ListName = `${"users" | "orgUnits"}.${PlanAction}`;

const ACTIONS = [
  ["create", "Would be created"],
  ["update", "Would be updated"],
  ["deactivate", "Would be deactivated"],
  ["link", "Would be linked to an existing OFM account (matching)"],
  ["match", "Would meet an account the sync owns (relinked, or a conflict)"],
] as const;

/** How a "show all" page names a list (`users.link` → "Users that would be linked …"). */
export const LIST_TITLES: Record<PlanAction, string> = {
  create: "that would be created",
  update: "that would be updated",
  deactivate: "that would be deactivated",
  link: "that would be linked to an existing OFM account",
  match: "that would meet an account the sync owns",
};

function Changes({ e, names }: { e: PreviewEntry; names: Record<string, string> }) {
  const why = e.reason ? <div class="reason">Why: {REASON_TEXT[e.reason]}</div> : null;
  if (!e.changes || e.changes.length === 0) return why ?? <span class="sub">—</span>;
  return (
    <>
      {why}
      <ul class="changes">
        {e.changes.map((c) => (
          <li data-field={c.field}>
            {FIELD_LABELS[c.field] ?? c.field}: <Named value={c.old} names={names} /> →{" "}
            <Named value={c.new} names={names} />
          </li>
        ))}
      </ul>
    </>
  );
}

/**
 * One list of the plan as a table: name, email, id and the field changes.
 *
 * @example
 * ```tsx
 * <PlanList p={plan} kind="users" action="update" title="Would be updated" id={previewId} />
 * ```
 */
export function PlanList(
  { p, kind, action, title, previewId }: {
    p: SyncPreview;
    kind: "users" | "orgUnits";
    action: PlanAction;
    title: string;
    previewId: string | null;
  },
): Child {
  const list = p[kind][action];
  const name: ListName = `${kind}.${action}`;
  if (!list || list.count === 0) return null;
  return (
    <div class="plan-list" id={`plan-${kind}-${action}`} data-count={String(list.count)}>
      <h3>
        {title} <span class="sub">({num(list.count)})</span>
      </h3>
      <div class="table-wrap">
        <table class="stack plan">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">{kind === "users" ? "Email" : "Id"}</th>
              <th scope="col">Changes</th>
            </tr>
          </thead>
          <tbody>
            {list.first.map((e) => (
              <tr data-id={e.id}>
                <td data-label="Name">{e.name ?? e.email ?? e.id}</td>
                <td data-label={kind === "users" ? "Email" : "Id"}>{e.email ?? e.id}</td>
                <td data-label="Changes" class="wide">
                  <Changes e={e} names={p.names} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.count > list.first.length && previewId
        ? (
          <p>
            <a href={`/modules/sync/preview/${previewId}?list=${name}`}>
              Show all {num(list.count)}
            </a>
          </p>
        )
        : null}
    </div>
  );
}

/** Those an operator rejected before, found absent or inactive again: held, not deactivated. */
function Waiting({ p }: { p: SyncPreview }) {
  const n = (p.waiting?.users ?? 0) + (p.waiting?.orgUnits ?? 0);
  if (n === 0) return null;
  return (
    <p class="sub" id="preview-waiting">
      <Mark name="held" /> {num(n)}{" "}
      rejected before by an operator would not be deactivated but held again for a new decision
      (<a href="/modules/sync/held">Held deactivations</a>).
    </p>
  );
}

function GuardLine({ p }: { p: SyncPreview }) {
  if (!p.guard) return <p class="sub" id="preview-guard">The guard was not reached.</p>;
  const { users, orgUnits, windowMs } = p.guard;
  const line = (what: string, f: typeof users) =>
    `${what}: ${num(f.proposed)} proposed + ${num(f.inWindow)} already in the last ${
      formatDuration(windowMs)
    } against ${num(f.allowed)} allowed (${num(f.baseline)} active at the window's start)`;
  return (
    <p id="preview-guard" class={p.wouldAbort ? "err" : "sub"}>
      <b>
        <Mark name={p.wouldAbort ? "bad" : "ok"} />{" "}
        {p.wouldAbort ? "The guard would abort this run." : "The guard would let this run pass."}
      </b>
      <br />
      {line("Users", users)}
      <br />
      {line("Org units", orgUnits)}
    </p>
  );
}

function Counts({ title, k }: { title: string; k: PreviewKind }) {
  return (
    <tr>
      <th scope="row">{title}</th>
      <td class="num" data-label="Create">{num(k.create.count)}</td>
      <td class="num" data-label="Update">{num(k.update.count)}</td>
      <td class="num" data-label="Deactivate">{num(k.deactivate.count)}</td>
      <td class="num" data-label="Unchanged">{num(k.unchanged)}</td>
    </tr>
  );
}

/**
 * The preview card (the plan already cut to the first entries of each list).
 *
 * @example
 * ```tsx
 * <PreviewPanel preview={limitPreview(plan, 50)} previewId={id} />
 * ```
 */
export function PreviewPanel(
  { preview: p, previewId = null }: { preview: SyncPreview; previewId?: string | null },
): Child {
  return (
    <section class="card" id="preview">
      <h2>
        Preview of a full sync <span class="sub">(nothing was written)</span>
      </h2>
      <p class="sub">
        Computed <Time d={new Date(p.generatedAt)} /> from {num(p.users.fetched)} users and{" "}
        {num(p.orgUnits.fetched)} org units in the SSO.
        {p.errors.count > 0 ? ` ${num(p.errors.count)} resources could not be read.` : ""}
      </p>
      {p.error && !p.wouldAbort ? <p class="err" id="preview-error">{p.error.message}</p> : null}
      {p.complete === false
        ? (
          <p class="err">
            Listing not proven complete, so nobody would be deactivated by absence:{" "}
            {p.incompleteReason}
          </p>
        )
        : null}
      <GuardLine p={p} />
      <Waiting p={p} />
      <div class="table-wrap">
        <table class="stack" id="preview-counts">
          <thead>
            <tr>
              <th scope="col"></th>
              <th scope="col">Create</th>
              <th scope="col">Update</th>
              <th scope="col">Deactivate</th>
              <th scope="col">Unchanged</th>
            </tr>
          </thead>
          <tbody>
            <Counts title="Users" k={p.users} />
            <Counts title="Org units" k={p.orgUnits} />
          </tbody>
        </table>
      </div>
      {previewId
        ? (
          <p id="preview-downloads">
            The whole plan: <a href={`/modules/sync/preview/${previewId}/plan.json`}>JSON</a> ·{" "}
            <a href={`/modules/sync/preview/${previewId}/plan.csv`}>CSV</a>
          </p>
        )
        : null}
      {(["users", "orgUnits"] as const).flatMap((kind) =>
        ACTIONS.map(([action, title]) => (
          <PlanList
            p={p}
            kind={kind}
            action={action}
            title={`${kind === "users" ? "Users" : "Org units"}: ${title.toLowerCase()}`}
            previewId={previewId}
          />
        ))
      )}
    </section>
  );
}

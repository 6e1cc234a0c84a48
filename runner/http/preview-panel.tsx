/**
 * The sync page's preview card: what a full sync would create, update and
 * deactivate now (counts, the first names) and the guard's verdict with its
 * figures, from the plan preview/sync-preview.ts builds. Nothing was written.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { formatDuration } from "../../shared/duration.ts";
import type { PreviewKind, PreviewList, SyncPreview } from "../preview/sync-preview.ts";

function Names({ list }: { list: PreviewList }) {
  if (list.count === 0) return <span class="sub">—</span>;
  return (
    <span>
      {list.first.map((e) => e.name ?? e.email ?? e.id).join(", ")}
      {list.count > list.first.length ? `, … ${list.count - list.first.length} more` : ""}
    </span>
  );
}

function KindTable({ title, k, id }: { title: string; k: PreviewKind; id: string }) {
  const rows: Array<[string, PreviewList]> = [
    ["Create", k.create],
    ["Update", k.update],
    ["Deactivate", k.deactivate],
  ];
  return (
    <table class="stack plan" id={id}>
      <thead>
        <tr>
          <th>{title}</th>
          <th>Count</th>
          <th>First</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([verb, list]) => (
          <tr data-action={verb.toLowerCase()}>
            <td data-label={title}>{verb}</td>
            <td data-label="Count" class="num">{list.count}</td>
            <td data-label="First" class="wide">
              <Names list={list} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GuardLine({ p }: { p: SyncPreview }) {
  if (!p.guard) return <p class="sub" id="preview-guard">The guard was not reached.</p>;
  const { users, orgUnits, windowMs } = p.guard;
  const line = (what: string, f: typeof users) =>
    `${what}: ${f.proposed} proposed + ${f.inWindow} already in the last ${
      formatDuration(windowMs)
    } ` +
    `against ${f.allowed} allowed (${f.baseline} active at the window's start)`;
  return (
    <p id="preview-guard" class={p.wouldAbort ? "err" : "sub"}>
      <b>
        {p.wouldAbort
          ? "⛔ The guard would abort this run."
          : "✅ The guard would let this run pass."}
      </b>
      <br />
      {line("Users", users)}
      <br />
      {line("Org units", orgUnits)}
    </p>
  );
}

/**
 * The preview card.
 *
 * @example
 * ```tsx
 * <PreviewPanel preview={await runtime.preview()} />
 * ```
 */
export function PreviewPanel({ preview: p }: { preview: SyncPreview }): Child {
  return (
    <section class="card" id="preview">
      <h2>
        Preview of a full sync <span class="sub">(nothing was written)</span>
      </h2>
      <p class="sub" style="margin:-4px 0 12px">
        Computed at <time datetime={p.generatedAt}>{p.generatedAt}</time> from {p.users.fetched}
        {" "}
        users and {p.orgUnits.fetched} org units in the SSO; {p.users.unchanged} users unchanged.
        {p.errors.count > 0 ? ` ${p.errors.count} resources could not be read.` : ""}
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
      <div class="table-wrap">
        <KindTable title="Users" k={p.users} id="preview-users" />
        <KindTable title="Org units" k={p.orgUnits} id="preview-units" />
      </div>
    </section>
  );
}

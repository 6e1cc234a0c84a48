/**
 * The held deactivations page (`/modules/sync/held`): the panel on its own,
 * 50 a page, with the confirmation a decision asks for (stating the number
 * and naming the people) and, after one, what it did to each.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import type { HeldItem } from "../documents/held-item.ts";
import type { HeldReport } from "../held/decisions.ts";
import { Mark } from "./marks.tsx";
import { heldCount, HeldPanel, type HeldPanelData, rowName } from "./held-panel.tsx";
import { num, type TimeFormat } from "./page-format.tsx";
import { BackLink, PageShell } from "./page-shell.tsx";

/** What a confirmation asks about: some items by id, or all of them. */
export interface PendingDecision {
  action: "apply" | "reject";
  /** The items named (those still held), or every held one for `all`. */
  items: HeldItem[];
  all: boolean;
  /** For `all`: the number the operator saw; shown when it changed. */
  sawCount?: number;
  page: number;
}

/** People named in a confirmation or a result, before "and N more". */
const NAMED = 50;

const verb = (a: "apply" | "reject") => (a === "apply" ? "Approve" : "Reject");

/**
 * The confirmation: the number, who, what it will do, and the one button that decides.
 *
 * @example
 * ```tsx
 * <HeldConfirm pending={{ action: "apply", items, all: false, page: 1 }} />
 * ```
 */
export function HeldConfirm({ pending }: { pending: PendingDecision }): Child {
  const { action, items, all } = pending;
  const n = items.length;
  const what = all ? `all ${heldCount(n)}` : heldCount(n);
  const changed = all && pending.sawCount !== undefined && pending.sawCount !== n;
  return (
    <section class="card" id="held-confirm" role="alertdialog" aria-labelledby="confirm-title">
      <h2 id="confirm-title">
        <Mark name="warn" /> {verb(action)} {what}?
      </h2>
      {changed
        ? (
          <p class="alert info">
            The number held changed since the page was shown ({num(pending.sawCount!)} then,{" "}
            {num(n)} now): confirm the new number.
          </p>
        )
        : null}
      <p>
        {action === "apply"
          ? "Each is asked of the SSO first. Those it no longer has, or has as inactive, are " +
            "deactivated in OFM now, past SYNC_MAX_DEACTIVATE: your approval is recorded, and " +
            "not counted against the limit. Anyone the SSO has as active is left active."
          : "They stay active in OFM and your decision is recorded. A later sync or webhook " +
            "that would deactivate them holds them again for a new decision."}
      </p>
      <ul id="confirm-names">
        {items.slice(0, NAMED).map((i) => (
          <li>
            {rowName(i)}
            {i.email && i.name ? <span class="sub">· {i.email}</span> : null}
          </li>
        ))}
        {n > NAMED ? <li class="sub">and {num(n - NAMED)} more</li> : null}
      </ul>
      <form method="post" action="/modules/sync/held/decide" class="held-actions">
        <input type="hidden" name="action" value={action} />
        <input type="hidden" name="page" value={String(pending.page)} />
        {all
          ? (
            <>
              <input type="hidden" name="all" value={action} />
              <input type="hidden" name="count" value={String(n)} />
            </>
          )
          : items.map((i) => <input type="hidden" name="ids" value={i._id} />)}
        <button class="btn" type="submit" autofocus>
          Yes, {verb(action).toLowerCase()} {num(n)}
        </button>
        <a class="btn secondary" href={`/modules/sync/held?page=${pending.page}`}>Cancel</a>
      </form>
    </section>
  );
}

/**
 * What a decision did: the counts, and each person it did not apply to, with why.
 *
 * @example
 * ```tsx
 * <HeldOutcome action="apply" report={report} />
 * ```
 */
export function HeldOutcome(
  { action, report }: { action: "apply" | "reject"; report: HeldReport },
): Child {
  const missed = report.results.filter((r) =>
    r.outcome !== "deactivated" && r.outcome !== "rejected"
  );
  const title = action === "apply"
    ? `${num(report.deactivated)} deactivated` +
      (report.notApplied > 0 ? `, ${num(report.notApplied)} not applied` : "")
    : `${num(report.rejected)} rejected: kept active`;
  return (
    <div
      class={`alert ${missed.length > 0 ? "info" : "success"}`}
      role="status"
      id="flash"
    >
      <strong>
        <Mark name={missed.length > 0 ? "warn" : "ok"} /> {title}.
      </strong>
      {report.unmatched.length > 0
        ? <span>{num(report.unmatched.length)} were no longer held (decided meanwhile).</span>
        : null}
      {missed.length > 0
        ? (
          <ul>
            {missed.slice(0, NAMED).map((r) => (
              <li>
                {r.name ?? r.email ?? r.resourceId}: {r.message}
              </li>
            ))}
          </ul>
        )
        : null}
    </div>
  );
}

/**
 * The page: an error, a decision's outcome or a confirmation, then the panel.
 *
 * @example
 * ```tsx
 * c.html(<HeldPage data={data} zone={zone} pending={pending} />);
 * ```
 */
export function HeldPage(p: {
  data: HeldPanelData;
  zone: TimeFormat;
  pending?: PendingDecision;
  outcome?: { action: "apply" | "reject"; report: HeldReport };
  error?: string;
}): Child {
  return (
    <PageShell
      title="Held deactivations"
      heading="Held deactivations"
      zone={p.zone}
      sub={
        <>
          <BackLink /> · times in {p.zone.zone}
        </>
      }
    >
      {p.error
        ? (
          <div class="alert error" role="alert" id="flash">
            <strong>
              <Mark name="bad" /> {p.error}
            </strong>
          </div>
        )
        : null}
      {p.outcome ? <HeldOutcome action={p.outcome.action} report={p.outcome.report} /> : null}
      {p.pending ? <HeldConfirm pending={p.pending} /> : null}
      <HeldPanel data={p.data} always />
    </PageShell>
  );
}

/**
 * The text the command line prints around a run: the guide's "Expected
 * Output" block, with the unchanged counts added. Every line goes through
 * `printable()`, so values from the SSO cannot forge or hide a line.
 *
 * @module
 */
import { printable } from "../../shared/printable.ts";
import type { SyncHistoryDoc } from "../store/collections.ts";
import { type DryRunPlan, linkedText } from "../sync/sync-engine.ts";
import { type HeldItem, REASON_TEXT } from "../documents/held-item.ts";

const RULE = "═══════════════════════════════════════════════════════";

/**
 * The banner printed before a run.
 *
 * @example
 * ```ts
 * console.log(header(new Date()));
 * ```
 */
export function header(startedAt: Date): string {
  return [
    RULE,
    "  OFM SCIM Synchronization Script",
    RULE,
    `Started at: ${startedAt.toISOString()}`,
    "",
  ].join("\n");
}

const TITLES: Record<SyncHistoryDoc["status"], string> = {
  success: "✅ Synchronization Completed Successfully",
  partial: "⚠️ Synchronization Completed with Errors",
  failed: "❌ Synchronization Failed",
  aborted: "⛔ Synchronization Aborted by the deactivation guard",
  interrupted: "⏹️ Synchronization Interrupted",
  running: "… Synchronization Running",
};

/** A dry run is a preview, never a run: its title says what the sync would do. */
const DRY_RUN_TITLES: Record<SyncHistoryDoc["status"], string> = {
  success: "🧪 Dry Run Completed: nothing was written",
  partial: "🧪 Dry Run Completed: nothing was written",
  failed: "🧪 Dry Run Failed: nothing was written",
  aborted: "🧪 Dry Run: the deactivation guard would abort this sync (nothing was written)",
  interrupted: "🧪 Dry Run Interrupted: nothing was written",
  running: "🧪 Dry Run Running",
};

function title(h: SyncHistoryDoc): string {
  if (h.dryRun) return DRY_RUN_TITLES[h.status];
  if (h.status === "success" && h.complete === false) {
    return "⚠️ Synchronization Completed, listing incomplete";
  }
  return TITLES[h.status];
}

/**
 * The summary block printed after a run.
 *
 * @example
 * ```ts
 * console.log(summary(history));
 * ```
 */
export function summary(h: SyncHistoryDoc, plan?: DryRunPlan): string {
  const s = h.stats;
  const lines = [
    "",
    RULE,
    title(h),
    RULE,
    "📊 Summary:",
    `  Users:       ${s.usersCreated} created, ${
      linkedText(s)
    }${s.usersUpdated} updated, ${s.usersUnchanged} unchanged, ${s.usersDeactivated} deactivated`,
    `  Org Units:   ${s.orgUnitsCreated} created, ${s.orgUnitsUpdated} updated, ${s.orgUnitsUnchanged} unchanged, ${s.orgUnitsDeactivated} deactivated`,
    `  Errors:      ${s.errors.length}`,
  ];
  for (const e of s.errors.slice(0, 10)) lines.push(`    - ${e.message}`);
  if (s.errors.length > 10) {
    lines.push(`    … ${s.errors.length - 10} more in syncHistory.stats.errors`);
  }
  if (h.complete === false) {
    lines.push(
      "",
      `Incomplete:  the SSO's listing is not proven complete, so nobody was deactivated by absence.`,
    );
    lines.push(`             ${h.incompleteReason ?? "(no reason recorded)"}`);
  }
  if (h.error) lines.push("", `Error: ${h.error.message}`);
  if (plan) {
    lines.push("", "Would change:");
    for (const [what, p] of [["Users", plan.users], ["Org units", plan.orgUnits]] as const) {
      for (const [verb, ids] of Object.entries(p)) {
        if (ids.length === 0) continue;
        const shown = ids.slice(0, 20).join(", ");
        lines.push(`  ${what} to ${verb}: ${ids.length} (${shown}${ids.length > 20 ? ", …" : ""})`);
      }
    }
  }
  lines.push("", `Completed at: ${(h.completedAt ?? new Date()).toISOString()}`, RULE);
  // Ids, reasons and messages come from the SSO: each line stays one line (printable.ts).
  return lines.map(printable).join("\n");
}

/**
 * One held deactivation as the command line lists it: name, email, department, reason,
 * since when (in `fmt`, PAGE_TIME_ZONE's format), what held it, and the id to decide with.
 *
 * @example
 * ```ts
 * heldLine(item); // "Jane Doe <jane@ias.co.id> · Finance · absent from a complete listing … · User:u1"
 * ```
 */
export function heldLine(
  i: HeldItem & { departmentName?: string | null },
  fmt: (d: Date) => string = (d) => d.toISOString(),
): string {
  const who = i.name ? `${i.name}${i.email ? ` <${i.email}>` : ""}` : i.email ?? i.resourceId;
  const dept = i.departmentName ?? i.departmentId;
  const src = i.source.kind === "sync" ? `sync ${i.source.historyId}` : `event ${i.source.eventId}`;
  const before = i.previous?.status === "rejected" ? ` · rejected before by ${i.previous.by}` : "";
  return `${who}${dept ? ` · ${dept}` : ""} · ${REASON_TEXT[i.reason]} · since ` +
    `${fmt(i.since)} (${src})${before} · ${i._id}`;
}

/**
 * The lines about deactivations the gate held; empty when none are.
 *
 * @example
 * ```ts
 * console.log(heldSummary(await held.held(), 3));
 * ```
 */
export function heldSummary(
  rows: readonly HeldItem[],
  total: number,
  fmt?: (d: Date) => string,
): string {
  if (total === 0) return "";
  const lines = [
    "",
    `⏸️ Held deactivations: ${total} (the gate kept them active; waiting for an operator's decision)`,
  ];
  for (const r of rows) lines.push(`    - ${heldLine(r, fmt)}`);
  if (total > rows.length) {
    lines.push(`    … ${total - rows.length} more: npm run sync -- --list-held, or the sync page`);
  }
  lines.push(
    "  Check them against the SSO, then: npm run sync -- --apply-held <id|email> … (all: no ids)",
    "  or --reject-held <id|email> … (or Held deactivations on /modules/sync)",
  );
  return lines.map(printable).join("\n");
}

/**
 * The exit code of a finished run of `npm run sync` (runner/cli/sync.ts).
 *
 * @example
 * ```ts
 * exitCodeOf({ status: "partial", complete: true }); // 5
 * ```
 */
export function exitCodeOf(h: { status: string; complete?: boolean }): number {
  if (h.status === "partial") return 5;
  if (h.status !== "success") return 1;
  // Creates and updates landed, but leavers may still be active: cron and CI must see it.
  return h.complete === false ? 3 : 0;
}

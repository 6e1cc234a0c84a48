/**
 * Held deactivations on the command line: `--list-held`, `--apply-held
 * [<id|email> …]` and `--reject-held <id|email> …|--all`. A decision names
 * who it will decide on and how many, then asks for `y` on stdin (`--yes`
 * answers for scripts); "all" decides exactly the items it listed. Exit 0
 * when every item was decided as asked (one the SSO has active again is
 * cleared, which counts), 1 when any was not (no answer from the SSO, a
 * refused write, keys no longer held) or nothing was confirmed.
 *
 * @module
 */
import { hostname, userInfo } from "node:os";
import { createInterface } from "node:readline";
import { printable } from "../../shared/printable.ts";
import type { Runtime } from "../compose.ts";
import type { HeldItem } from "../documents/held-item.ts";
import { heldDecisionJson, heldItemJson } from "../http/held-answers.ts";
import type { SyncArgs } from "./args.ts";
import { heldLine } from "./summary.ts";
import { timeFormat } from "../time-format.ts";

type Out = (line: string) => void;

/** Names, emails and messages come from the SSO: each line stays one line (printable.ts). */
const safe = (out: Out): Out => (line) => out(printable(line));

/** Who decides, as the record names them. */
function operator(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container): the host still says where.
  }
  return `command line (${user}@${hostname()})`;
}

/** The first line typed on stdin; null at its end. */
async function firstLine(): Promise<string | null> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    const next = await rl[Symbol.asyncIterator]().next();
    return next.done ? null : String(next.value);
  } finally {
    rl.close();
  }
}

/**
 * `--list-held`: every held deactivation, one line each (`--json`: the API's items).
 *
 * @example
 * ```ts
 * process.exitCode = await listHeld(runtime, args, console.log);
 * ```
 */
export async function listHeld(runtime: Runtime, args: SyncArgs, print: Out): Promise<number> {
  const out = safe(print);
  const named = await runtime.held.page(1, 1_000_000);
  const fmt = timeFormat(runtime.config.pageTimeZone).format;
  out(`⏸️ Held deactivations: ${named.total}`);
  for (const i of named.items) out(`    - ${heldLine(i, fmt)}`);
  if (args.json) {
    console.log(JSON.stringify({ total: named.total, items: named.items.map(heldItemJson) }));
  }
  return 0;
}

/**
 * `--apply-held` / `--reject-held`: lists who, asks, decides, prints what happened to each.
 *
 * @example
 * ```ts
 * process.exitCode = await decideHeld(runtime, args, console.log);
 * ```
 */
export async function decideHeld(runtime: Runtime, args: SyncArgs, print: Out): Promise<number> {
  const out = safe(print);
  const action = args.rejectHeld ? "reject" : "apply";
  const keys = args.heldKeys ?? [];
  if (action === "reject" && keys.length === 0 && !args.allHeld) {
    out("❌ --reject-held needs the ids or emails to reject, or --all");
    return 2;
  }
  const items: HeldItem[] = keys.length > 0
    ? await runtime.held.held(keys)
    : await runtime.held.held();
  if (items.length === 0) {
    out(keys.length > 0 ? `❌ None of ${keys.join(", ")} is held.` : "Nothing is held.");
    return keys.length > 0 ? 1 : 0;
  }
  const what = `${items.length} held deactivation${items.length === 1 ? "" : "s"}`;
  out(`${action === "apply" ? "Approve" : "Reject"} ${what}:`);
  const fmt = timeFormat(runtime.config.pageTimeZone).format;
  for (const i of items.slice(0, 50)) out(`    - ${heldLine(i, fmt)}`);
  if (items.length > 50) out(`    … and ${items.length - 50} more`);
  out(
    action === "apply"
      ? "Each is asked of the SSO first; those it no longer has, or has as inactive, are deactivated now."
      : "They stay active in OFM; a later sync or webhook that would deactivate them holds them again.",
  );
  if (!args.yes) {
    out(`${action === "apply" ? "Approve" : "Reject"} ${what}? Type y to confirm:`);
    const answer = await firstLine();
    if (!/^\s*y(es)?\s*$/i.test(answer ?? "")) {
      out("Not confirmed: nothing decided (answer y, or pass --yes).");
      return 1;
    }
  }
  const sel = { keys: items.map((i) => i._id) };
  const r = action === "apply"
    ? await runtime.decisions.approve(sel, operator())
    : await runtime.decisions.reject(sel, operator());
  for (const x of r.results) {
    const mark = x.outcome === "deactivated" || x.outcome === "rejected"
      ? "✅"
      : x.outcome === "present"
      ? "➖"
      : "⚠️";
    out(`  ${mark} ${x.name ?? x.email ?? x.resourceId} (${x.id}): ${x.message}`);
  }
  out(
    action === "apply"
      ? `✅ ${r.deactivated} deactivated, ${r.notApplied} not applied`
      : `✅ ${r.rejected} rejected: kept active`,
  );
  if (args.json) console.log(JSON.stringify(heldDecisionJson(action, r)));
  const missing = keys.filter((k) =>
    !items.some((i) =>
      i._id === k || i.resourceId === k || i.email?.toLowerCase() === k.toLowerCase()
    )
  );
  if (missing.length > 0) out(`⚠️ Not held: ${missing.join(", ")}`);
  const incomplete = r.results.some((x) => x.outcome === "unknown" || x.outcome === "failed");
  return incomplete || missing.length > 0 ? 1 : 0;
}

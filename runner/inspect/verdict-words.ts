/**
 * What to do about a finding, worded for where it is read: the person view
 * names its buttons, the command line names its commands (there is nothing
 * to press in a terminal). Pure.
 *
 * @module
 */
import type { Action, Finding } from "./verdict.ts";

/** Where a verdict is read. */
export type Reader = "page" | "cli";

/** What the wording needs besides the finding. */
export interface AdviceContext {
  /** The key the person was looked up by (for the CLI's command). */
  key: string;
  /** When the next full sync is due, already formatted; null when none is planned. */
  nextFullSync: string | null;
}

const quoteArg = (s: string) => (/^[\w.@+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/**
 * The advice for one action (pure).
 *
 * @example
 * ```ts
 * advice("sync_now", "page", { key: "jane@ias.co.id", nextFullSync: null }); // 'Use "Sync now" below to fix it at once.'
 * advice("sync_now", "cli", { key: "jane@ias.co.id", nextFullSync: null }); // "Fix it at once: npm run sync -- --user jane@ias.co.id"
 * ```
 */
export function advice(action: Action, reader: Reader, ctx: AdviceContext): string {
  const next = ctx.nextFullSync ? ` (next full sync: ${ctx.nextFullSync})` : "";
  const page = reader === "page";
  switch (action) {
    case "sync_now":
      return page
        ? `Use "Sync now" below to fix it at once${next}.`
        : `Fix it at once: npm run sync -- --user ${quoteArg(ctx.key)}${next}`;
    case "approve_held":
      return page
        ? 'An operator approves or rejects it under "Held deactivations" on the sync page.'
        : `An operator approves or rejects it: npm run sync -- --apply-held ${quoteArg(ctx.key)} ` +
          `(or --reject-held)`;
    case "unfiltered_sync":
      return page
        ? `Use "Sync now" below for this person, or "Sync All Data" on the sync page${next}.`
        : `Run npm run sync -- --user ${quoteArg(ctx.key)}, or an unfiltered npm run sync${next}`;
    case "fix_in_sso":
      return "Fix the record in the SSO; the next sync or webhook then writes it.";
  }
}

/**
 * A finding's text with its advice, as the page or the command line prints it (pure).
 *
 * @example
 * ```ts
 * findingText({ cause: "not_in_ofm", text: "Present in the SSO but not in OFM yet.", action: "sync_now" }, "cli", ctx);
 * ```
 */
export function findingText(f: Finding, reader: Reader, ctx: AdviceContext): string {
  return f.action ? `${f.text} ${advice(f.action, reader, ctx)}` : f.text;
}

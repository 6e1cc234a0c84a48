/**
 * Flags of `npm run purge` (node:util parseArgs, no dependency) and the text
 * it prints about a purge.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../../shared/errors.ts";
import { formatDuration } from "../../shared/duration.ts";
import { printable } from "../../shared/printable.ts";
import type { PurgeReport } from "../purge/run-purge.ts";
import { parseInactiveFor } from "../purge/purge-rules.ts";

/** The parsed flags. */
export interface PurgeArgs {
  inactiveForMs: number;
  apply: boolean;
  force: boolean;
  json: boolean;
  help: boolean;
}

/** Usage text of the command. */
export const PURGE_USAGE =
  `Usage: npm run purge -- --inactive-for <duration> [--apply] [--force] [--json]

  Hard-deletes users deactivated in OFM longer ago than <duration> (e.g. 90d; at least 1d),
  after the SSO confirms each one live (GET /Users/{id}: 404 or active:false). A user the SSO
  still has active, or could not answer about, is kept and reported.

  --inactive-for  how long a user must have been inactive, e.g. 90d, 180d
  --apply         delete; without it the command only lists who would go
  --force         pass PURGE_MAX (default 1000; a count or a percentage of all users)
  --json          print the report as JSON on stdout, nothing else

Exit: 0 success (listed, or deleted), 1 failed or refused by PURGE_MAX, 2 bad flags or configuration,
      3 success but the SSO could not confirm some users (they were kept)
`;

/**
 * Parses argv (without the runtime and script).
 *
 * @throws {ConfigError} on an unknown flag or a missing or bad `--inactive-for`
 * @example
 * ```ts
 * parsePurgeArgs(["--inactive-for", "90d", "--apply"]); // { inactiveForMs: 7776000000, apply: true, … }
 * ```
 */
export function parsePurgeArgs(argv: string[]): PurgeArgs {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        "inactive-for": { type: "string" },
        apply: { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new ConfigError("argv", `${e instanceof Error ? e.message : String(e)}\n${PURGE_USAGE}`);
  }
  const flags = {
    apply: values.apply === true,
    force: values.force === true,
    json: values.json === true,
  };
  if (values.help) return { inactiveForMs: 0, ...flags, help: true };
  const text = values["inactive-for"];
  const ms = text === undefined ? null : parseInactiveFor(text);
  if (ms === null) {
    throw new ConfigError(
      "argv",
      `--inactive-for must be a duration of at least one day, such as 90d (got ${
        text === undefined ? "nothing" : JSON.stringify(text)
      })\n${PURGE_USAGE}`,
    );
  }
  return { inactiveForMs: ms, ...flags, help: false };
}

const who = (c: { email: string; firstName: string | null; lastName: string | null }) =>
  [c.firstName, c.lastName].filter(Boolean).join(" ") + ` <${c.email}>`;

/**
 * The report for a person: who would go (or went), who is kept and why.
 *
 * @example
 * ```ts
 * console.log(purgeSummary(report, 20));
 * ```
 */
export function purgeSummary(r: PurgeReport, shown = 20): string {
  const lines = [
    `Users inactive since before ${r.cutoff.toISOString()}: ${r.stats.candidates} (of ${r.totalUsers} in OFM; ` +
    `PURGE_MAX allows ${r.guard.allowed}${r.guard.forced ? ", passed with --force" : ""})`,
  ];
  if (r.error) lines.push(`❌ ${r.error.message}`);
  const verb = r.applied ? "Deleted" : "Would delete";
  lines.push(`${verb}: ${r.applied ? r.deleted.length : r.deletable.length}`);
  for (const c of r.deletable.slice(0, shown)) {
    lines.push(
      `  - ${who(c)} (inactive ${
        formatDuration(r.cutoff.getTime() - c.deactivatedAt.getTime())
      } past the cutoff)`,
    );
  }
  if (r.deletable.length > shown) {
    lines.push(`  … ${r.deletable.length - shown} more (--json lists all)`);
  }
  if (r.kept.length > 0) lines.push(`Kept: ${r.kept.length}`);
  for (const c of r.kept.slice(0, shown)) {
    const why = c.verdict.kind === "active"
      ? "active in the SSO (the next sync reactivates it)"
      : c.verdict.kind === "inactive"
      ? "still listed by the SSO as inactive (a full sync would create it again; remove it there first)"
      : `the SSO could not confirm: ${
        c.verdict.kind === "unknown" ? c.verdict.reason : c.verdict.kind
      }`;
    lines.push(`  - ${who(c)}: ${why}`);
  }
  if (!r.applied && !r.error && r.deletable.length > 0) {
    lines.push("Nothing was deleted. Run again with --apply to delete them.");
  }
  if (r.historyId) lines.push(`Recorded in syncHistory ${r.historyId} (type "purge").`);
  // Names and emails come from the SSO: each line stays one line (printable.ts).
  return lines.map(printable).join("\n");
}

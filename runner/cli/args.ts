/**
 * Flags of `npm run sync` (node:util parseArgs, no dependency).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../../shared/errors.ts";

export interface SyncArgs {
  dryRun: boolean;
  filter?: string;
  json: boolean;
  force: boolean;
  /** Apply the webhook deactivations the guard held, then exit (no sync). */
  applyHeld: boolean;
  /** Inspect one person (email, ssoUserId or employee number), then exit (no sync). */
  inspect?: string;
  /** Sync one person now (provision on demand), then exit. */
  user?: string;
  /** Sync one org unit now (by SCIM Group id or unit name), then exit. */
  group?: string;
  /** Find people by the start of a name or email, then exit. */
  find?: string;
  /** End the quarantine (an operator's "Retry now"), then run the full sync. */
  retryNow: boolean;
  help: boolean;
}

/** Usage text of the command. */
export const USAGE =
  `Usage: npm run sync -- [--dry-run] [--filter '<SCIM filter>'] [--json] [--force] [--apply-held]

  --dry-run   fetch and diff, print what would change, write nothing
  --filter    sync only matching users and groups (never deactivates by absence)
  --json      print the syncHistory document as JSON on stdout, nothing else
              (with --dry-run: the preview plan, as POST /api/v1/scim/sync/preview returns it)
  --force     pass the accidental-deletion guard (SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW)
  --apply-held  apply the webhook deactivations the guard held, then exit (no sync)
  --find <name>         people whose first, last or full name or email starts with it
  --inspect <email|id>  show one person: OFM, the SSO live, the differences, the verdict
  --user <email|id>     sync one person now (same mapping, guard, history, change log)
  --group <id|name>     sync one org unit now, by SCIM Group id or unit name (the same)
  --retry-now  end the quarantine (after SYNC_QUARANTINE_AFTER failed full syncs), then sync

Exit: 0 success, 1 failed or aborted, 2 bad configuration,
      143 / 130 stopped by SIGTERM / SIGINT (129: its npm launcher went away; run recorded interrupted),
      3 success but the listing was not proven complete (nobody deactivated by absence),
      4 --inspect, --user or --group: neither OFM nor the SSO knows the key;
        --find: nobody matches
`;

/**
 * Parses argv (without the runtime and script).
 *
 * @throws {ConfigError} on an unknown flag
 *
 * @example
 * ```ts
 * parseSyncArgs(["--dry-run", "--filter", 'userName eq "a@x"']); // { dryRun: true, filter: 'userName eq "a@x"', … }
 * ```
 */
export function parseSyncArgs(argv: string[]): SyncArgs {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        "dry-run": { type: "boolean", default: false },
        filter: { type: "string" },
        json: { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        "apply-held": { type: "boolean", default: false },
        inspect: { type: "string" },
        user: { type: "string" },
        group: { type: "string" },
        find: { type: "string" },
        "retry-now": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const filter = values.filter?.trim();
    return {
      dryRun: values["dry-run"] === true,
      ...(filter ? { filter } : {}),
      json: values.json === true,
      force: values.force === true,
      applyHeld: values["apply-held"] === true,
      ...(values.inspect?.trim() ? { inspect: values.inspect.trim() } : {}),
      ...(values.user?.trim() ? { user: values.user.trim() } : {}),
      ...(values.group?.trim() ? { group: values.group.trim() } : {}),
      ...(values.find?.trim() ? { find: values.find.trim() } : {}),
      retryNow: values["retry-now"] === true,
      help: values.help === true,
    };
  } catch (e) {
    throw new ConfigError("argv", `${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
}

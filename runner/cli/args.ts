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
  /** Approve held deactivations (`heldKeys`, or all), then exit (no sync). */
  applyHeld: boolean;
  /** Reject held deactivations (`heldKeys`, or all with `allHeld`), then exit (no sync). */
  rejectHeld?: true;
  /** List every held deactivation, then exit (no sync). */
  listHeld?: true;
  /** The words after --apply-held / --reject-held: item ids, SSO ids or emails (commas split). */
  heldKeys?: string[];
  /** `--all`: every held deactivation (required to reject them all). */
  allHeld?: true;
  /** `--yes`: decide without asking (scripts); otherwise the command asks for y on stdin. */
  yes?: true;
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
  `Usage: npm run sync -- [--dry-run] [--filter '<SCIM filter>'] [--json] [--force]
       npm run sync -- --list-held | --apply-held [<id|email> …|--all] | --reject-held <id|email> …|--all [--yes]

  --dry-run   fetch and diff, print what would change, write nothing
  --filter    sync only matching users and groups (never deactivates by absence)
  --json      print the syncHistory document as JSON on stdout, nothing else
              (with --dry-run: the preview plan, as POST /api/v1/scim/sync/preview returns it)
  --force     pass the accidental-deletion guard (SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW)
  --list-held   list the deactivations the gate held (name, email, reason, since, id), then exit
  --apply-held  approve held deactivations: those named (item id User:<id>, SSO id or email),
                or all of them; each is asked of the SSO first. Asks for y unless --yes
  --reject-held reject held deactivations (named, or --all): kept active, decision recorded
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
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        "dry-run": { type: "boolean", default: false },
        filter: { type: "string" },
        json: { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        "apply-held": { type: "boolean", default: false },
        "reject-held": { type: "boolean", default: false },
        "list-held": { type: "boolean", default: false },
        all: { type: "boolean", default: false },
        yes: { type: "boolean", short: "y", default: false },
        inspect: { type: "string" },
        user: { type: "string" },
        group: { type: "string" },
        find: { type: "string" },
        "retry-now": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    const deciding = values["apply-held"] === true || values["reject-held"] === true;
    // Words are held items' keys, and only after a decision's flag.
    if (positionals.length > 0 && !deciding) {
      throw new TypeError(`unexpected argument "${positionals[0]}"`);
    }
    const heldKeys = positionals.flatMap((p) => p.split(",")).map((k) => k.trim()).filter(Boolean);
    const filter = values.filter?.trim();
    return {
      dryRun: values["dry-run"] === true,
      ...(filter ? { filter } : {}),
      json: values.json === true,
      force: values.force === true,
      applyHeld: values["apply-held"] === true,
      ...(values["reject-held"] ? { rejectHeld: true as const } : {}),
      ...(values["list-held"] ? { listHeld: true as const } : {}),
      ...(heldKeys.length > 0 ? { heldKeys } : {}),
      ...(values.all ? { allHeld: true as const } : {}),
      ...(values.yes ? { yes: true as const } : {}),
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

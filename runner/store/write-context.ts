/**
 * What every write step of the sync store uses: the collections, the
 * settings of the one document builder, the clock, batch sizes asked of the
 * server once, and the change journal of a call.
 *
 * @module
 */
import type { Collection, Document } from "mongodb";
import type { ChangeOrigin } from "../documents/change-record.ts";
import { type ChangeLogWriter, type Journal, journalFor, NO_JOURNAL } from "./change-journal.ts";
import type { ServerTraits } from "./server-kind.ts";

/** The collections and settings the write steps share. */
export interface WriteCtx {
  users: Collection<Document>;
  units: Collection<Document>;
  superAdminEmails: readonly string[];
  /** User fields written on update (the guide's minus SYNC_EXCLUDE_FIELDS). */
  userUpdateFields: readonly string[];
  now: () => Date;
  insertBatch: number;
  /** Statements per update command, asked of the server on first use. */
  updateBatch: () => Promise<number>;
  /** The server's traits (server-kind.ts), asked on first use. */
  traits: () => Promise<ServerTraits>;
  changes?: ChangeLogWriter;
}

/**
 * The change journal of one call; a no-op without a change log or an origin.
 *
 * @example
 * ```ts
 * const journal = journalOf(ctx, "User", origin, at);
 * ```
 */
export function journalOf(
  ctx: WriteCtx,
  type: "User" | "Group",
  origin: ChangeOrigin | undefined,
  at: Date,
): Journal {
  if (!ctx.changes || !origin) return NO_JOURNAL;
  return journalFor(type === "User" ? ctx.users : ctx.units, {
    type,
    log: ctx.changes,
    origin,
    at,
  });
}

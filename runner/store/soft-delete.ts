/**
 * A sync's soft deletes of users or org units (absent from a complete
 * listing): `isActive: false` and `deactivatedAt`, each only while the
 * document is still active, recorded in the change log, and counted as
 * MongoDB acknowledged them — only those it changed from active to inactive.
 *
 * @module
 */
import type { AnyBulkWriteOperation, Document } from "mongodb";
import type { ChangeOrigin } from "../documents/change-record.ts";
import type { ExistingEntry, WriteOutcome } from "../documents/changes.ts";
import { deactivationSet } from "../documents/ofm-documents.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import { statementError, updateBatch } from "./bulk.ts";
import { decodeDocId } from "./doc-id-codec.ts";
import { journalOf, type WriteCtx } from "./write-context.ts";

/** Where a user is found: by `_id` where the index carries it (FerretDB), else by its SSO id. */
const userFilter = (e: ExistingEntry): Document =>
  e.id !== undefined
    ? { _id: decodeDocId(e.id), ssoUserId: e.key, isActive: true }
    : { ssoUserId: e.key, isActive: true };

/** An org unit's `_id` is its SCIM id. */
const unitFilter = (e: ExistingEntry): Document => ({ _id: e.key, isActive: { $ne: false } });

/**
 * Soft-deletes the entries of one type.
 *
 * @example
 * ```ts
 * const { written } = await softDelete(ctx, "User", absent, "full_sync", origin);
 * ```
 */
export async function softDelete(
  ctx: WriteCtx,
  type: "User" | "Group",
  entries: readonly ExistingEntry[],
  source: SyncSource,
  origin?: ChangeOrigin,
): Promise<WriteOutcome> {
  const at = ctx.now();
  const set = deactivationSet({ at, source });
  const filterOf = type === "User" ? userFilter : unitFilter;
  const ops: AnyBulkWriteOperation<Document>[] = entries.map((e) => ({
    updateOne: { filter: filterOf(e), update: { $set: set } },
  }));
  const journal = journalOf(ctx, type, origin, at).updated(
    entries.map((e) => ({
      id: type === "User" ? (e.id !== undefined ? decodeDocId(e.id) : undefined) : e.key,
      key: e.key,
      subject: null,
      set,
    })),
    ["isActive"],
  );
  const col = type === "User" ? ctx.users : ctx.units;
  const r = await updateBatch(col, ops, await ctx.updateBatch(), journal);
  return {
    written: r.written,
    refused: [],
    errors: r.refused.map((we) => statementError(type, entries[we.index]?.key ?? "?", we)),
  };
}

/**
 * A sync's batch writes of org units (`_id` = the SCIM Group id): inserts,
 * updates and soft deletes, counted as MongoDB acknowledged them. A unit
 * another writer created meanwhile is updated instead, never deactivated
 * that way (a deactivation only happens through the gate).
 *
 * @module
 */
import type { AnyBulkWriteOperation, Document } from "mongodb";
import { type OfmOrgUnit, ORG_UNIT_SYNC_FIELDS } from "../../shared/ofm-documents.ts";
import type { ChangeOrigin } from "../documents/change-record.ts";
import { type Change, noWrites, type WriteOutcome } from "../documents/changes.ts";
import { newOrgUnitDoc, orgUnitSet } from "../documents/ofm-documents.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import { chunks, insertBatch, isDuplicate, statementError, updateBatch } from "./bulk.ts";
import { merge } from "./user-writes.ts";
import { journalOf, type WriteCtx } from "./write-context.ts";

/**
 * Inserts new org units; one that exists meanwhile is updated instead.
 *
 * @example
 * ```ts
 * await createOrgUnits(ctx, creates, "full_sync", origin);
 * ```
 */
export async function createOrgUnits(
  ctx: WriteCtx,
  changes: readonly Change<OfmOrgUnit>[],
  source: SyncSource,
  origin?: ChangeOrigin,
): Promise<WriteOutcome<OfmOrgUnit>> {
  const at = ctx.now();
  const out = noWrites<OfmOrgUnit>();
  for (const batch of chunks(changes, ctx.insertBatch)) {
    const docs = batch.map((c) => newOrgUnitDoc(c.doc, { hash: c.hash, at, source }));
    const r = await insertBatch(ctx.units, docs as Document[]);
    out.written += r.written;
    await journalOf(ctx, "Group", origin, at).created(docs, r.refused);
    const taken = r.refused.filter(isDuplicate).map((we) => batch[we.index]!);
    for (const we of r.refused.filter((x) => !isDuplicate(x))) {
      out.errors.push(statementError("Group", batch[we.index]!.doc._id, we));
    }
    if (taken.length > 0) {
      const updates = taken.map((c): Change<OfmOrgUnit> => ({
        ...c,
        kind: "update",
        deactivates: false,
      }));
      merge(out, await updateOrgUnits(ctx, updates, source, origin, true));
    }
  }
  return out;
}

/**
 * Updates changed org units. `noDeactivation`: an inactive unit only overwrites one
 * that is inactive already (creates another writer got to first).
 *
 * @example
 * ```ts
 * await updateOrgUnits(ctx, updates, "full_sync", origin);
 * ```
 */
export async function updateOrgUnits(
  ctx: WriteCtx,
  changes: readonly Change<OfmOrgUnit>[],
  source: SyncSource,
  origin?: ChangeOrigin,
  noDeactivation = false,
): Promise<WriteOutcome<OfmOrgUnit>> {
  const at = ctx.now();
  const sets = changes.map((c) =>
    orgUnitSet(c.doc, {
      hash: c.hash,
      at,
      source,
      deactivates: c.kind === "update" && c.deactivates,
    })
  );
  const ops: AnyBulkWriteOperation<Document>[] = changes.map((c, i) => {
    const set = sets[i]!;
    // An upsert that inserts (the unit vanished since the index was read) still records when it went inactive.
    const onInsert = "deactivatedAt" in set
      ? { createdAt: at }
      : { createdAt: at, deactivatedAt: at };
    const guard = noDeactivation && !c.doc.isActive ? { isActive: false } : {};
    return {
      updateOne: {
        filter: { _id: c.doc._id, ...guard } as Document,
        update: { $set: set, $setOnInsert: onInsert },
        // A refusal on the upsert (the unit is active, or another unique index) is an error entry.
        upsert: true,
      },
    };
  });
  const journal = journalOf(ctx, "Group", origin, at).updated(
    changes.map((c, i) => ({
      id: c.doc._id,
      key: c.doc._id,
      subject: c.doc.unitName,
      set: sets[i]! as Record<string, unknown>,
    })),
    ORG_UNIT_SYNC_FIELDS,
  );
  const r = await updateBatch(ctx.units, ops, await ctx.updateBatch(), journal);
  const out = noWrites<OfmOrgUnit>();
  out.written = r.written;
  for (const we of r.refused) {
    out.errors.push(statementError("Group", changes[we.index]?.doc._id ?? "?", we));
  }
  return out;
}

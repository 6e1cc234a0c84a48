/**
 * A sync's batch writes of users: inserts, updates and soft deletes, each
 * counted as MongoDB acknowledged it. A write a unique index refused comes
 * back as a {@linkcode RefusedWrite} (identity/ finds who holds the value),
 * except an insert whose `ssoUserId` another writer (a webhook) stored
 * meanwhile: that one is applied as an update, never one that deactivates —
 * a deactivation only happens through the gate, so such a user waits for the
 * next run.
 *
 * @module
 */
import type { AnyBulkWriteOperation, Document } from "mongodb";
import type { OfmUser, ResourceError } from "../../shared/ofm-documents.ts";
import type { ChangeOrigin } from "../documents/change-record.ts";
import { type Change, noWrites, type WriteOutcome } from "../documents/changes.ts";
import { newUserDoc, userUpdateSet } from "../documents/ofm-documents.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import { chunks, insertBatch, isDuplicate, statementError, updateBatch } from "./bulk.ts";
import { decodeDocId } from "./doc-id-codec.ts";
import { journalOf, type WriteCtx } from "./write-context.ts";

/**
 * Inserts new users in batches; see the module comment for refusals.
 *
 * @example
 * ```ts
 * const outcome = await createUsers(ctx, creates, "full_sync", origin);
 * ```
 */
export async function createUsers(
  ctx: WriteCtx,
  changes: readonly Change<OfmUser>[],
  source: SyncSource,
  origin?: ChangeOrigin,
): Promise<WriteOutcome<OfmUser>> {
  const at = ctx.now();
  const out = noWrites<OfmUser>();
  const taken: Change<OfmUser>[] = [];
  for (const batch of chunks(changes, ctx.insertBatch)) {
    const docs = batch.map((c) =>
      newUserDoc(c.doc, { hash: c.hash, at, source, superAdminEmails: ctx.superAdminEmails })
    );
    const r = await insertBatch(ctx.users, docs);
    out.written += r.written;
    await journalOf(ctx, "User", origin, at).created(docs, r.refused);
    const dups = r.refused.filter(isDuplicate).map((we) => ({ we, c: batch[we.index]! }));
    for (const we of r.refused.filter((x) => !isDuplicate(x))) {
      out.errors.push(statementError("User", batch[we.index]!.doc.ssoUserId, we));
    }
    if (dups.length === 0) continue;
    // Which refusals were on the sync's key itself? Asked, since FerretDB names no index.
    const stored = await storedKeys(ctx, dups.map((d) => d.c.doc.ssoUserId));
    for (const { we, c } of dups) {
      if (stored.has(c.doc.ssoUserId)) taken.push(c);
      else out.refused.push({ change: c, message: we.errmsg ?? "duplicate key" });
    }
  }
  if (taken.length > 0) merge(out, await updateTaken(ctx, taken, source, origin));
  return out;
}

/** Which of these SSO ids are stored. */
async function storedKeys(ctx: WriteCtx, keys: readonly string[]): Promise<Set<string>> {
  const docs = await ctx.users.find({ ssoUserId: { $in: [...keys] } }, {
    projection: { _id: 0, ssoUserId: 1 },
  }).toArray();
  return new Set(docs.map((d) => String(d.ssoUserId)));
}

/** Creates another writer got to first: updated, but never deactivated here. */
function updateTaken(
  ctx: WriteCtx,
  changes: readonly Change<OfmUser>[],
  source: SyncSource,
  origin?: ChangeOrigin,
): Promise<WriteOutcome<OfmUser>> {
  const updates = changes.map((c): Change<OfmUser> => ({
    kind: "update",
    doc: c.doc,
    hash: c.hash,
    deactivates: false,
  }));
  // An inactive person only overwrites a document that is inactive already.
  return updateUsers(
    ctx,
    updates,
    source,
    origin,
    (c) => c.doc.isActive ? {} : { isActive: false },
  );
}

/**
 * Updates changed users (by `_id` where the index carries it, else by `ssoUserId`).
 *
 * @example
 * ```ts
 * const outcome = await updateUsers(ctx, updates, "full_sync", origin);
 * ```
 */
export async function updateUsers(
  ctx: WriteCtx,
  planned: readonly Change<OfmUser>[],
  source: SyncSource,
  origin?: ChangeOrigin,
  extraFilter: (c: Change<OfmUser>) => Document = () => ({}),
): Promise<WriteOutcome<OfmUser>> {
  const changes = await withoutDoneDeactivations(ctx, planned);
  if (changes.length === 0) return noWrites<OfmUser>();
  const at = ctx.now();
  const fields = ctx.userUpdateFields;
  const idOf = (c: Change<OfmUser>) =>
    c.kind === "update" && c.id !== undefined ? decodeDocId(c.id) : undefined;
  const sets = changes.map((c) =>
    userUpdateSet(c.doc, {
      fields,
      hash: c.hash,
      at,
      source,
      deactivates: c.kind === "update" && c.deactivates,
    })
  );
  const ops: AnyBulkWriteOperation<Document>[] = changes.map((c, i) => {
    const id = idOf(c);
    const filter = id !== undefined ? { _id: id } : { ssoUserId: c.doc.ssoUserId };
    return {
      updateOne: {
        filter: { ...filter, ...extraFilter(c) } as Document,
        update: { $set: sets[i]! },
      },
    };
  });
  const journal = journalOf(ctx, "User", origin, at).updated(
    changes.map((c, i) => ({
      id: idOf(c),
      key: c.doc.ssoUserId,
      subject: c.doc.email,
      set: sets[i]! as Record<string, unknown>,
    })),
    fields,
  );
  const r = await updateBatch(ctx.users, ops, await ctx.updateBatch(), journal);
  const out = noWrites<OfmUser>();
  out.written = r.written;
  for (const we of r.refused) {
    const c = changes[we.index]!;
    if (isDuplicate(we)) out.refused.push({ change: c, message: we.errmsg ?? "duplicate key" });
    else out.errors.push(statementError("User", c.doc.ssoUserId, we));
  }
  return out;
}

/**
 * The changes less the deactivations of accounts already inactive: a webhook that deactivated
 * the person since the run read its index made that change, and writing it again counted it
 * (and the gate reserved it) a second time and moved `deactivatedAt`. Read, not a filter
 * beside the key: mongo-java-server and FerretDB scan the whole collection for any filter with
 * a second condition (55 and 340 ms a statement measured), and deactivations are few.
 */
async function withoutDoneDeactivations(
  ctx: WriteCtx,
  changes: readonly Change<OfmUser>[],
): Promise<readonly Change<OfmUser>[]> {
  const ending = changes.filter((c) => c.kind === "update" && c.deactivates);
  if (ending.length === 0) return changes;
  const ids = ending.map((c) => (c.kind === "update" ? c.id : undefined));
  const byId = ids.every((id) => id !== undefined);
  const filter: Document = byId
    ? { _id: { $in: ids.map((id) => decodeDocId(id!)) } }
    : { ssoUserId: { $in: ending.map((c) => c.doc.ssoUserId) } };
  const rows = await ctx.users.find(filter, { projection: { _id: 0, ssoUserId: 1, isActive: 1 } })
    .toArray();
  const inactive = new Set(rows.filter((r) => r.isActive === false).map((r) => r.ssoUserId));
  if (inactive.size === 0) return changes;
  return changes.filter((c) =>
    !(c.kind === "update" && c.deactivates && inactive.has(c.doc.ssoUserId))
  );
}

/**
 * Adds one outcome into another.
 *
 * @example
 * ```ts
 * merge(total, await createUsers(ctx, more, "full_sync"));
 * ```
 */
export function merge<T>(into: WriteOutcome<T>, r: WriteOutcome<T>): void {
  into.written += r.written;
  into.refused.push(...r.refused);
  into.errors.push(...(r.errors as ResourceError[]));
}

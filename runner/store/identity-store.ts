/**
 * Persistence of identity (identity/ports.ts): finding OFM's own accounts and
 * the sync's own by their match value, the accounts that hold a unique value,
 * and the writes that link, relink, park and restore. Every document read
 * here may be OFM's, so each is parsed (zod) before use. Every write is
 * conditional on what was read (still unlinked, still keyed by the old SSO
 * id, still holding the value), so a concurrent writer is never overwritten.
 *
 * @module
 */
import type { AnyBulkWriteOperation, Collection, Db, Document } from "mongodb";
import { z } from "zod";
import { type OfmUser, USER_SYNC_FIELDS } from "../../shared/ofm-documents.ts";
import {
  type ChangeOrigin,
  type ChangeRecord,
  changeRecord,
  RECORDED_FIELDS,
} from "../documents/change-record.ts";
import { noWrites, type WriteOutcome } from "../documents/changes.ts";
import { emailKeyOf, type MatchOn } from "../documents/match-key.ts";
import { userUpdateSet } from "../documents/ofm-documents.ts";
import { parkedValue } from "../documents/parked-value.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import type { Account, IdentityStore, LinkWrite, ParkWrite } from "../identity/ports.ts";
import { chunks, isDuplicate, statementError, updateBatch } from "./bulk.ts";
import type { ChangeLogWriter } from "./change-journal.ts";
import { USERS } from "./collections.ts";
import { decodeDocId, encodeDocId } from "./doc-id-codec.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/** A `users` document as identity reads it: any of OFM's shapes, the fields it needs typed. */
const AccountDoc = z.looseObject({
  _id: z.unknown(),
  ssoUserId: z.unknown().optional(),
  email: z.unknown().optional(),
  isActive: z.unknown().optional(),
});

const NOT_OWNED = { ssoUserId: { $not: { $type: "string" } } };
const OWNED = { ssoUserId: { $type: "string" } };

/** Options of {@linkcode createIdentityStore}. */
export interface IdentityStoreOptions {
  matchOn: MatchOn;
  /** User fields a link writes (the guide's minus SYNC_EXCLUDE_FIELDS). */
  userUpdateFields: readonly string[];
  /** Unique index key patterns (the sync store's ensureIndexes found them). */
  uniqueIndexes: () => string[][];
  changes?: ChangeLogWriter;
  now?: () => Date;
  /** Statements per update command (50 on FerretDB). @default 50 */
  updateChunk?: number;
}

/**
 * Creates the identity store over `users`.
 *
 * @example
 * ```ts
 * const identity = createIdentityStore(db, { matchOn: "email", userUpdateFields, uniqueIndexes: () => store.uniqueIndexes() });
 * ```
 */
export function createIdentityStore(db: Db, o: IdentityStoreOptions): IdentityStore {
  const users = db.collection(USERS);
  const now = o.now ?? (() => new Date());
  const projection = projectionOf(o);
  const read = async (filter: Document) =>
    (await users.find(filter, { projection }).toArray()).flatMap((d) => accountOf(d, o));
  return translateDriverErrors<IdentityStore>({
    unlinked: () => o.matchOn === "off" ? Promise.resolve([]) : read(NOT_OWNED),
    async unlinkedMatching(values) {
      if (o.matchOn === "off" || values.length === 0) return [];
      if (o.matchOn === "userId") return read({ ...NOT_OWNED, userId: { $in: [...values] } });
      // OFM's accounts carry no emailKey: anchored, case-insensitive, then folded exactly.
      const wanted = new Set(values);
      const regex = values.map((v) => new RegExp(`^${escape(v)}$`, "i"));
      return (await read({ ...NOT_OWNED, email: { $in: regex } }))
        .filter((a) => a.email !== null && wanted.has(emailKeyOf(a.email)));
    },
    async ownedMatching(values) {
      if (o.matchOn === "off" || values.length === 0) return [];
      const field = o.matchOn === "userId" ? "userId" : "emailKey";
      // Documents of an earlier release may lack emailKey (not backfilled on FerretDB).
      const legacy = o.matchOn === "email" ? [{ email: { $in: [...values] } }] : [];
      return await read({ ...OWNED, $or: [{ [field]: { $in: [...values] } }, ...legacy] });
    },
    async holders(docs) {
      const out = new Map<string, Account>();
      for (const batch of chunks(docs, 200)) {
        const or = batch.flatMap((d) =>
          o.uniqueIndexes().map((fields) =>
            Object.fromEntries(fields.map((f) => [f, (d as Record<string, unknown>)[f] ?? null]))
          )
        );
        if (or.length === 0) continue;
        for (const a of await read({ $or: or })) out.set(a.id, a);
      }
      return [...out.values()];
    },
    uniqueIndexes: () => o.uniqueIndexes(),
    link: (items, source, origin) =>
      linkWrites(users, o, items, "link", { source, origin, at: now() }),
    relink: (items, source, origin) =>
      linkWrites(users, o, items, "relink", { source, origin, at: now() }),
    park: (items, origin) => parkWrites(users, o, items, "park", { origin, at: now() }),
    restore: (items) => parkWrites(users, o, items, "restore", { at: now() }),
  });
}

/** What every account read carries: the unique fields and the mapped ones. */
function projectionOf(o: IdentityStoreOptions): Document {
  const p: Document = { _id: 1, ssoUserId: 1, email: 1, isActive: 1, userId: 1, emailKey: 1 };
  for (const f of USER_SYNC_FIELDS) p[f] = 1;
  for (const fields of o.uniqueIndexes()) for (const f of fields) p[f] = 1;
  return p;
}

function accountOf(d: Document, o: IdentityStoreOptions): Account[] {
  const parsed = AccountDoc.safeParse(d);
  if (!parsed.success) return [];
  const { _id, ssoUserId, email, isActive, ...rest } = parsed.data;
  const values: Record<string, unknown> = { email, ...rest };
  for (const fields of o.uniqueIndexes()) for (const f of fields) values[f] = d[f] ?? null;
  return [{
    id: encodeDocId(_id),
    ssoUserId: typeof ssoUserId === "string" ? ssoUserId : null,
    email: typeof email === "string" ? email : null,
    isActive: isActive === true,
    values,
  }];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Links (unlinked accounts) or relinks (accounts whose SSO id left), conditionally. */
async function linkWrites(
  users: Collection<Document>,
  o: IdentityStoreOptions,
  items: readonly LinkWrite[],
  mode: "link" | "relink",
  w: { source: SyncSource; origin?: ChangeOrigin; at: Date },
): Promise<WriteOutcome<OfmUser>> {
  const sets = items.map((it) => linkSet(it, o, w));
  const ops: AnyBulkWriteOperation<Document>[] = items.map((it, i) => ({
    updateOne: {
      filter: {
        _id: decodeDocId(it.account.id),
        ...(mode === "link" ? NOT_OWNED : { ssoUserId: it.account.ssoUserId }),
      } as Document,
      update: { $set: sets[i]! },
    },
  }));
  const refusedAt = new Set<number>();
  const r = await updateBatch(users, ops, o.updateChunk ?? 50, async () => async (refused) => {
    for (const i of refused) refusedAt.add(i);
  });
  const out = noWrites<OfmUser>();
  out.written = r.written;
  for (const we of r.refused) {
    const it = items[we.index]!;
    if (isDuplicate(we)) {
      out.refused.push({ change: it.change, message: we.errmsg ?? "duplicate key" });
    } else out.errors.push(statementError("User", it.change.doc.ssoUserId, we));
  }
  if (o.changes && w.origin) {
    const records = items.flatMap((it, i) =>
      refusedAt.has(i) ? [] : [linkRecord(it, sets[i]!, mode, { ...w, origin: w.origin! })]
    );
    if (records.length > 0) await o.changes.record(records);
  }
  return out;
}

/** What a link writes: the directory's fields (not the excluded ones, never the role). */
function linkSet(
  it: LinkWrite,
  o: IdentityStoreOptions,
  w: { source: SyncSource; at: Date },
): Document {
  const doc = it.change.doc;
  const set: Document = userUpdateSet(doc, {
    fields: o.userUpdateFields,
    hash: it.change.hash,
    at: w.at,
    source: w.source,
    deactivates: false,
    inactiveSince: w.at,
  });
  set.ssoUserId = doc.ssoUserId;
  set.emailKey = emailKeyOf(String(set.email ?? it.account.email ?? doc.email));
  if (!doc.isActive && it.account.isActive) {
    // Linking never deactivates: that goes through the gate, on the next run's diff.
    set.isActive = true;
    set.deactivatedAt = null;
    set.syncHash = "";
  }
  return set;
}

function linkRecord(
  it: LinkWrite,
  set: Document,
  mode: "link" | "relink",
  w: { origin: ChangeOrigin; at: Date },
): ChangeRecord {
  const before = { ...it.account.values, isActive: it.account.isActive };
  const r = changeRecord({
    resourceType: "User",
    resourceId: it.change.doc.ssoUserId,
    subject: it.change.doc.email,
    before,
    after: set,
    fields: RECORDED_FIELDS.User,
    source: w.origin,
    at: w.at,
  });
  return {
    resourceType: "User",
    resourceId: it.change.doc.ssoUserId,
    subject: it.change.doc.email,
    fields: r?.fields ?? [],
    values: r?.values ?? {},
    source: w.origin,
    at: w.at,
    action: mode === "link" ? "linked" : "relinked",
    previousResourceId: it.account.ssoUserId,
  };
}

/** Parks values (placeholder + empty hash) or puts them back, each only while unchanged. */
async function parkWrites(
  users: Collection<Document>,
  o: IdentityStoreOptions,
  items: readonly ParkWrite[],
  mode: "park" | "restore",
  w: { origin?: ChangeOrigin; at: Date },
): Promise<number> {
  const ops: AnyBulkWriteOperation<Document>[] = items.map((it) => {
    const held = it.account.values[it.field];
    const parked = parkedValue(it.field, it.account.id);
    const [from, to] = mode === "park" ? [held, parked] : [parked, held];
    const extra = it.field === "email" && typeof to === "string"
      ? { emailKey: emailKeyOf(to) }
      : {};
    return {
      updateOne: {
        filter: { _id: decodeDocId(it.account.id), [it.field]: from } as Document,
        update: {
          $set: { [it.field]: to, ...extra, ...(mode === "park" ? { syncHash: "" } : {}) },
        },
      },
    };
  });
  const r = await updateBatch(users, ops, o.updateChunk ?? 50);
  if (mode === "park" && o.changes && w.origin && r.written > 0) {
    await o.changes.record(items.map((it) => ({
      resourceType: "User" as const,
      resourceId: it.account.ssoUserId ?? it.account.id,
      subject: it.account.email,
      action: "updated" as const,
      fields: [it.field],
      values: {
        [it.field]: { old: it.account.values[it.field], new: parkedValue(it.field, it.account.id) },
      },
      source: w.origin!,
      at: w.at,
    })));
  }
  return r.written;
}

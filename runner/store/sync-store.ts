/**
 * Batched writes of a sync into `users` and `orgUnits`: insertMany for new
 * documents (fast on MongoDB and FerretDB alike), unordered bulkWrite updates
 * in small chunks for changed ones, and the indexes the guide's queries need.
 * What each document holds is built by documents/ofm-documents.ts; this
 * module only persists it.
 *
 * Update chunks are 50 statements on FerretDB (1.24 hangs on an `update`
 * command of 100 or more) and 1,000 elsewhere (server-kind.ts decides, once).
 *
 * @module
 */
import {
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  MongoBulkWriteError,
  ObjectId,
} from "mongodb";
import {
  type OfmOrgUnit,
  type OfmUser,
  ORG_UNIT_SYNC_FIELDS,
  type ResourceError,
} from "../../shared/ofm-documents.ts";
import type { Change, ExistingEntry, WriteOutcome } from "../documents/changes.ts";
import {
  deactivationSet,
  newOrgUnitDoc,
  newUserDoc,
  orgUnitSet,
  userUpdateSet,
} from "../documents/ofm-documents.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import type { ChangeOrigin } from "../documents/change-record.ts";
import { type ChangeLogWriter, type Journal, journalFor, NO_JOURNAL } from "./change-journal.ts";
import { ORG_UNITS, type OrgUnitDoc, type UserDoc, USERS } from "./collections.ts";
import { duplicateKeyOf, translateDriverErrors } from "./driver-errors.ts";
import { PackedIndex } from "./packed-index.ts";
import { indexRow } from "./index-row.ts";
import { type ServerTraits, serverTraits } from "./server-kind.ts";

/** Documents per cursor batch of the index read: few round trips, bounded garbage. */
const INDEX_BATCH = 5000;

/** What {@linkcode createSyncStore} returns. */
export type SyncStore = ReturnType<typeof createSyncStore>;

/** Options of {@linkcode createSyncStore}. */
export interface SyncStoreOptions {
  superAdminEmails: readonly string[];
  /** User fields written on update (the guide's minus SYNC_EXCLUDE_FIELDS). */
  userUpdateFields: readonly string[];
  now?: () => Date;
  /** Documents per insertMany. @default 1000 */
  insertBatch?: number;
  /** Statements per bulkWrite. @default 50 on FerretDB, 1000 elsewhere (server-kind.ts) */
  updateBatch?: number;
  /** Where each batch's change records go (`syncChanges`); absent, none are kept. */
  changes?: ChangeLogWriter;
}

/** The collections and settings every write step uses. */
interface Ctx {
  users: Collection<UserDoc>;
  units: Collection<OrgUnitDoc>;
  options: SyncStoreOptions;
  now: () => Date;
  insertBatch: number;
  /** Statements per update command, asked of the server on first use. */
  updateBatch: () => Promise<number>;
  /** The server's traits (server-kind.ts), asked on first use. */
  traits: () => Promise<ServerTraits>;
}

/** One write error of a bulk operation, whatever the driver's shape. */
interface BulkWriteError {
  index: number;
  code: number;
  errmsg?: string;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const empty = (): WriteOutcome => ({ written: 0, errors: [] });
const add = (out: WriteOutcome, r: WriteOutcome) => {
  out.written += r.written;
  out.errors.push(...r.errors);
};

/**
 * Creates the sync store.
 *
 * @example
 * ```ts
 * const store = createSyncStore(db, { superAdminEmails: [], userUpdateFields: ["email"] });
 * await store.ensureIndexes();
 * const existing = await store.userIndex();
 * ```
 */
export function createSyncStore(db: Db, options: SyncStoreOptions) {
  let traits: Promise<ServerTraits> | undefined;
  const ctx: Ctx = {
    users: db.collection<UserDoc>(USERS),
    units: db.collection<OrgUnitDoc>(ORG_UNITS),
    options,
    now: options.now ?? (() => new Date()),
    insertBatch: options.insertBatch ?? 1000,
    traits: () => (traits ??= serverTraits(db)),
    updateBatch: async () => options.updateBatch ?? (await ctx.traits()).updateChunk,
  };
  return translateDriverErrors({
    async ensureIndexes(): Promise<void> {
      await ctx.users.createIndex({ ssoUserId: 1 }, { unique: true });
      await ctx.users.createIndex({ email: 1 }, { unique: true });
      await ctx.units.createIndex({ parentUnitId: 1 });
    },
    /**
     * `ssoUserId` → hash, active flag and (on FerretDB) `_id`, for diffing. `relieve` runs
     * after every batch: decoding 100,000 documents makes garbage as fast as a listing does.
     */
    userIndex: async (relieve?: () => void): Promise<PackedIndex> =>
      readUserIndex(ctx.users, (await ctx.traits()).updatesById, relieve),
    orgUnitIndex: (): Promise<Map<string, ExistingEntry>> => readOrgUnitIndex(ctx.units),
    /**
     * Inserts new users in batches. A user a webhook created meanwhile (duplicate
     * ssoUserId) is updated instead; any other duplicate (an email already used by
     * another OFM user) becomes an error entry.
     */
    createUsers: (changes: readonly Change<OfmUser>[], source: SyncSource, origin?: ChangeOrigin) =>
      createUsers(ctx, changes, source, origin),
    /** Updates changed users; with `origin`, their change records go to `syncChanges`. */
    updateUsers: (changes: readonly Change<OfmUser>[], source: SyncSource, origin?: ChangeOrigin) =>
      updateUsers(ctx, changes, source, origin),
    /** Soft-deletes users absent from a complete listing. */
    deactivateUsers: (
      entries: readonly ExistingEntry[],
      source: SyncSource,
      origin?: ChangeOrigin,
    ) => deactivateUsers(ctx, entries, source, origin),
    /** Inserts new org units; one that exists meanwhile is updated instead. */
    createOrgUnits: (
      changes: readonly Change<OfmOrgUnit>[],
      source: SyncSource,
      origin?: ChangeOrigin,
    ) => createOrgUnits(ctx, changes, source, origin),
    updateOrgUnits: (
      changes: readonly Change<OfmOrgUnit>[],
      source: SyncSource,
      origin?: ChangeOrigin,
    ) => updateOrgUnits(ctx, changes, source, origin),
    /** Soft-deletes org units absent from a complete listing. */
    deactivateOrgUnits: (
      entries: readonly ExistingEntry[],
      source: SyncSource,
      origin?: ChangeOrigin,
    ) => deactivateOrgUnits(ctx, entries, source, origin),
  });
}

/**
 * The fields the user index reads: `_id` only where updates filter on it (FerretDB).
 *
 * @example
 * ```ts
 * userIndexProjection(false); // { _id: 0, ssoUserId: 1, syncHash: 1, isActive: 1 }
 * ```
 */
export function userIndexProjection(withIds: boolean) {
  return { _id: withIds ? 1 : 0, ssoUserId: 1, syncHash: 1, isActive: 1 } as const;
}

async function readUserIndex(
  users: Collection<UserDoc>,
  withIds: boolean,
  relieve?: () => void,
): Promise<PackedIndex> {
  const index = new PackedIndex();
  // Large batches: fewer round trips for the one read a sync makes of the whole collection.
  // Raw: index-row.ts reads the documents in place, without the driver building objects.
  const cursor = users.find({}, {
    projection: userIndexProjection(withIds),
    batchSize: INDEX_BATCH,
    raw: true,
  });
  let read = 0;
  for await (const doc of cursor) {
    if (++read % INDEX_BATCH === 0) relieve?.();
    const row = indexRow(doc as unknown as Buffer);
    if (row) index.add(row.key, row.hash, row.active, row.id);
  }
  return index;
}

async function readOrgUnitIndex(
  units: Collection<OrgUnitDoc>,
): Promise<Map<string, ExistingEntry>> {
  const map = new Map<string, ExistingEntry>();
  const cursor = units.find({}, { projection: { _id: 1, syncHash: 1, isActive: 1 } });
  for await (const d of cursor) {
    const key = String(d._id);
    map.set(key, {
      key,
      syncHash: String(d.syncHash ?? ""),
      isActive: d.isActive !== false,
      id: d._id,
    });
  }
  return map;
}

async function createUsers(
  ctx: Ctx,
  changes: readonly Change<OfmUser>[],
  source: SyncSource,
  origin?: ChangeOrigin,
) {
  const at = ctx.now();
  const out = empty();
  const retry: Change<OfmUser>[] = [];
  for (const batch of chunks(changes, ctx.insertBatch)) {
    const docs = batch.map((c) =>
      newUserDoc(c.doc, {
        hash: c.hash,
        at,
        source,
        superAdminEmails: ctx.options.superAdminEmails,
      })
    );
    const failed = await insertMany(ctx.users, docs, out);
    for (const we of failed) {
      const c = batch[we.index];
      if (!c) continue;
      if (we.code === 11000 && /ssoUserId/.test(we.errmsg ?? "")) retry.push(c);
      else out.errors.push(writeError("User", c.doc.ssoUserId, we));
    }
    await userJournal(ctx, origin, at).created(docs, failed);
  }
  if (retry.length > 0) add(out, await updateUsers(ctx, retry, source, origin));
  return out;
}

function updateUsers(
  ctx: Ctx,
  changes: readonly Change<OfmUser>[],
  source: SyncSource,
  origin?: ChangeOrigin,
) {
  const at = ctx.now();
  const fields = ctx.options.userUpdateFields;
  // By _id when known: FerretDB pushes only _id filters down to its index.
  const sets = changes.map((c) =>
    userUpdateSet(c.doc, { fields, hash: c.hash, at, source, deactivates: deactivates(c) })
  );
  const ops: AnyBulkWriteOperation<UserDoc>[] = changes.map((c, i) => ({
    updateOne: {
      filter:
        (c.kind === "update" && c.id !== undefined
          ? { _id: storedId(c.id) }
          : { ssoUserId: c.doc.ssoUserId }) as object,
      update: { $set: sets[i]! },
    },
  }));
  const journal = userJournal(ctx, origin, at).updated(
    changes.map((c, i) => ({
      id: c.kind === "update" && c.id !== undefined ? storedId(c.id) : undefined,
      key: c.doc.ssoUserId,
      subject: c.doc.email,
      set: sets[i]! as Record<string, unknown>,
    })),
    fields,
  );
  return bulk(ctx, ctx.users, ops, (i) => changes[i]?.doc.ssoUserId ?? "?", "User", journal);
}

function deactivateUsers(
  ctx: Ctx,
  entries: readonly ExistingEntry[],
  source: SyncSource,
  origin?: ChangeOrigin,
) {
  const at = ctx.now();
  const set = deactivationSet({ at, source });
  const ops: AnyBulkWriteOperation<UserDoc>[] = entries.map((e) => ({
    updateOne: {
      filter:
        (e.id !== undefined
          ? { _id: storedId(e.id), isActive: true }
          : { ssoUserId: e.key, isActive: true }) as object,
      update: { $set: set },
    },
  }));
  const journal = userJournal(ctx, origin, at).updated(
    entries.map((e) => ({
      id: e.id !== undefined ? storedId(e.id) : undefined,
      key: e.key,
      subject: null,
      set,
    })),
    ["isActive"],
  );
  return bulk(ctx, ctx.users, ops, (i) => entries[i]?.key ?? "?", "User", journal);
}

async function createOrgUnits(
  ctx: Ctx,
  changes: readonly Change<OfmOrgUnit>[],
  source: SyncSource,
  origin?: ChangeOrigin,
) {
  const at = ctx.now();
  const out = empty();
  for (const batch of chunks(changes, ctx.insertBatch)) {
    const docs = batch.map((c) => newOrgUnitDoc(c.doc, { hash: c.hash, at, source }));
    const failed = await insertMany(ctx.units, docs, out);
    await unitJournal(ctx, origin, at).created(docs, failed);
    const retry = failed.filter((we) => we.code === 11000).map((we) => batch[we.index]).filter((
      c,
    ) => c !== undefined);
    if (retry.length > 0) add(out, await updateOrgUnits(ctx, retry, source, origin));
  }
  return out;
}

function updateOrgUnits(
  ctx: Ctx,
  changes: readonly Change<OfmOrgUnit>[],
  source: SyncSource,
  origin?: ChangeOrigin,
) {
  const at = ctx.now();
  const sets = changes.map((c) =>
    orgUnitSet(c.doc, { hash: c.hash, at, source, deactivates: deactivates(c) })
  );
  const ops: AnyBulkWriteOperation<OrgUnitDoc>[] = changes.map((c, i) => {
    const set = sets[i]!;
    // An upsert that inserts (the unit vanished since the index was read) still records when it went inactive.
    const onInsert = "deactivatedAt" in set
      ? { createdAt: at }
      : { createdAt: at, deactivatedAt: at };
    return {
      updateOne: {
        filter: { _id: c.doc._id } as object,
        update: { $set: set, $setOnInsert: onInsert },
        upsert: true,
      },
    };
  });
  const journal = unitJournal(ctx, origin, at).updated(
    changes.map((c, i) => ({
      id: c.doc._id,
      key: c.doc._id,
      subject: c.doc.unitName,
      set: sets[i]! as Record<string, unknown>,
    })),
    ORG_UNIT_SYNC_FIELDS,
  );
  return bulk(ctx, ctx.units, ops, (i) => changes[i]?.doc._id ?? "?", "Group", journal);
}

function deactivateOrgUnits(
  ctx: Ctx,
  entries: readonly ExistingEntry[],
  source: SyncSource,
  origin?: ChangeOrigin,
) {
  const at = ctx.now();
  const set = deactivationSet({ at, source });
  const ops: AnyBulkWriteOperation<OrgUnitDoc>[] = entries.map((e) => ({
    updateOne: {
      filter: { _id: e.key, isActive: { $ne: false } } as object,
      update: { $set: set },
    },
  }));
  const journal = unitJournal(ctx, origin, at).updated(
    entries.map((e) => ({ id: e.key, key: e.key, subject: null, set })),
    ["isActive"],
  );
  return bulk(ctx, ctx.units, ops, (i) => entries[i]?.key ?? "?", "Group", journal);
}

/** The change journal of user writes; a no-op without a change log or an origin. */
function userJournal(ctx: Ctx, origin: ChangeOrigin | undefined, at: Date): Journal {
  return ctx.options.changes && origin
    ? journalFor(ctx.users, { type: "User", log: ctx.options.changes, origin, at })
    : NO_JOURNAL;
}

/** The change journal of org unit writes. */
function unitJournal(ctx: Ctx, origin: ChangeOrigin | undefined, at: Date): Journal {
  return ctx.options.changes && origin
    ? journalFor(ctx.units, { type: "Group", log: ctx.options.changes, origin, at })
    : NO_JOURNAL;
}

const deactivates = (c: Change<unknown>) => c.kind === "update" && c.deactivates;

/** Inserts unordered; counts what was written and returns the refused documents' write errors. */
async function insertMany<T extends object>(
  col: Collection<T>,
  docs: Parameters<Collection<T>["insertMany"]>[0],
  out: WriteOutcome,
): Promise<BulkWriteError[]> {
  try {
    out.written += (await col.insertMany(docs, { ordered: false })).insertedCount;
    return [];
  } catch (e) {
    if (!(e instanceof MongoBulkWriteError)) throw e;
    out.written += e.result.insertedCount;
    return writeErrorsOf(e);
  }
}

/** Runs unordered bulk writes in chunks; a failed chunk's write errors become entries. */
async function bulk<T extends object>(
  ctx: Ctx,
  col: Collection<T>,
  ops: AnyBulkWriteOperation<T>[],
  keyOf: (i: number) => string,
  type: "User" | "Group",
  journal: ReturnType<Journal["updated"]> = NO_JOURNAL.updated([], []),
): Promise<WriteOutcome> {
  const out = empty();
  let offset = 0;
  if (ops.length === 0) return out;
  for (const chunk of chunks(ops, await ctx.updateBatch())) {
    const base = offset;
    offset += chunk.length;
    // Old values of this chunk, read before it is written (one find, only with a change log).
    const finish = await journal(base, offset);
    const refused = new Set<number>();
    try {
      const r = await col.bulkWrite(chunk, { ordered: false });
      out.written += r.modifiedCount + r.upsertedCount;
    } catch (e) {
      if (!(e instanceof MongoBulkWriteError)) throw e;
      out.written += e.result.modifiedCount + e.result.upsertedCount;
      for (const we of writeErrorsOf(e)) {
        refused.add(base + we.index);
        out.errors.push(writeError(type, keyOf(base + we.index), we));
      }
    }
    await finish(refused);
  }
  return out;
}

/** A refused document as an entry of `stats.errors`. */
function writeError(type: "User" | "Group", id: string, we: BulkWriteError): ResourceError {
  const duplicate = we.code === 11000;
  const message = duplicate
    ? `duplicate key: ${
      duplicateKeyOf({ errmsg: we.errmsg }) ?? "another document has the same email or id"
    }`
    : (we.errmsg ?? `write failed with code ${we.code}`);
  return {
    resourceType: type,
    resourceId: id,
    code: duplicate ? "DUPLICATE_KEY" : "WRITE_FAILED",
    message,
  };
}

/** The driver gives one WriteError or an array; normalise to an array. */
function writeErrorsOf(e: MongoBulkWriteError): BulkWriteError[] {
  const list = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  return list.map((we) => ({ index: we.index, code: we.code, errmsg: we.errmsg }));
}

/** Back from the index's hex string to the stored ObjectId. */
function storedId(id: unknown): unknown {
  return typeof id === "string" && id.startsWith("oid:")
    ? ObjectId.createFromHexString(id.slice(4))
    : id;
}

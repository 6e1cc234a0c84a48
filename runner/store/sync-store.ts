/**
 * The sync's persistence of `users` and `orgUnits`: the indexes (user-indexes.ts),
 * the index of existing documents a run diffs against (read as raw BSON into a
 * packed index), and the batch writes (user-writes.ts, unit-writes.ts), counted
 * as MongoDB acknowledged them. What each document holds is built by
 * documents/ofm-documents.ts; this module only persists it.
 *
 * Update chunks are 50 statements on FerretDB (1.24 hangs on an `update`
 * command of 100 or more) and 1,000 elsewhere (server-kind.ts decides, once).
 *
 * @module
 */
import type { Collection, Db, Document } from "mongodb";
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { Logger } from "../../shared/logger.ts";
import { silentLogger } from "../../shared/logger.ts";
import type { ChangeOrigin } from "../documents/change-record.ts";
import type { Change, ExistingEntry } from "../documents/changes.ts";
import type { MatchOn } from "../documents/match-key.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import type { ChangeLogWriter } from "./change-journal.ts";
import { ONE_COMMAND } from "./bulk.ts";
import { ORG_UNITS, USERS } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";
import { backfillEmailKeys } from "./email-key-migration.ts";
import { indexRow } from "./index-row.ts";
import { KeyedIndex } from "./keyed-index.ts";
import { PackedIndex } from "./packed-index.ts";
import { serverTraitsOnce } from "./server-kind.ts";
import { softDelete } from "./soft-delete.ts";
import { createOrgUnits, updateOrgUnits } from "./unit-writes.ts";
import { ensureUserIndexes, type UserIndexReport } from "./user-indexes.ts";
import { createUsers, updateUsers } from "./user-writes.ts";
import type { WriteCtx } from "./write-context.ts";

/** Documents per cursor batch of the index read: few round trips, bounded garbage. */
const INDEX_BATCH = 5000;

/** What {@linkcode createSyncStore} returns. */
export type SyncStore = ReturnType<typeof createSyncStore>;

/** Options of {@linkcode createSyncStore}. */
export interface SyncStoreOptions {
  superAdminEmails: readonly string[];
  /** User fields written on update (the guide's minus SYNC_EXCLUDE_FIELDS). */
  userUpdateFields: readonly string[];
  /** SYNC_MATCH_ON: which index matching needs. @default "email" */
  matchOn?: MatchOn;
  logger?: Logger;
  now?: () => Date;
  /** Documents per insertMany. @default 999: one command (bulk.ts, ONE_COMMAND) */
  insertBatch?: number;
  /** Statements per bulkWrite. @default 50 on FerretDB, 999 elsewhere (server-kind.ts) */
  updateBatch?: number;
  /** Where each batch's change records go (`syncChanges`); absent, none are kept. */
  changes?: ChangeLogWriter;
}

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
  let report: UserIndexReport | null = null;
  const log = options.logger ?? silentLogger;
  const ctx: WriteCtx = {
    users: db.collection(USERS),
    units: db.collection(ORG_UNITS),
    superAdminEmails: options.superAdminEmails,
    userUpdateFields: options.userUpdateFields,
    now: options.now ?? (() => new Date()),
    insertBatch: options.insertBatch ?? ONE_COMMAND,
    traits: serverTraitsOnce(db),
    updateBatch: async () => options.updateBatch ?? (await ctx.traits()).updateChunk,
    ...(options.changes ? { changes: options.changes } : {}),
  };
  return translateDriverErrors({
    async ensureIndexes(): Promise<void> {
      report = await ensureUserIndexes(db, { matchOn: options.matchOn ?? "email", logger: log });
      await ctx.units.createIndex({ parentUnitId: 1 });
      if ((await ctx.traits()).updatesById) {
        log.info(
          "🗂️ users.emailKey: not backfilled on FerretDB; lookups also compare email as stored",
        );
      } else {
        const n = await backfillEmailKeys(db);
        if (n > 0) {
          log.info(`🗂️ users.emailKey: added to ${n} document(s) written by an earlier release`);
        }
      }
    },
    /** The unique indexes found on `users` (OFM's and ours), once ensureIndexes ran. */
    uniqueIndexes: (): string[][] => report?.unique ?? [],
    /**
     * `ssoUserId` → hash, active flag and (on FerretDB) `_id`, of the sync's own documents.
     * `relieve` runs after every batch: decoding 100,000 documents makes garbage fast.
     */
    userIndex: async (relieve?: () => void): Promise<PackedIndex> =>
      readUserIndex(ctx.users, (await ctx.traits()).updatesById, relieve),
    orgUnitIndex: (): Promise<PackedIndex> => readOrgUnitIndex(ctx.units),
    /** A delta's index of users, read by key as pages come (keyed-index.ts). */
    deltaUserIndex: (relieve?: () => void): KeyedIndex => deltaUserIndex(ctx, relieve),
    /** A delta's index of org units, read by key. */
    deltaOrgUnitIndex: (): KeyedIndex => deltaOrgUnitIndex(ctx),
    createUsers: (changes: readonly Change<OfmUser>[], source: SyncSource, origin?: ChangeOrigin) =>
      createUsers(ctx, changes, source, origin),
    updateUsers: (changes: readonly Change<OfmUser>[], source: SyncSource, origin?: ChangeOrigin) =>
      updateUsers(ctx, changes, source, origin),
    deactivateUsers: (
      entries: readonly ExistingEntry[],
      source: SyncSource,
      origin?: ChangeOrigin,
    ) => softDelete(ctx, "User", entries, source, origin),
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
    deactivateOrgUnits: (
      entries: readonly ExistingEntry[],
      source: SyncSource,
      origin?: ChangeOrigin,
    ) => softDelete(ctx, "Group", entries, source, origin),
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
  users: Collection<Document>,
  withIds: boolean,
  relieve?: () => void,
): Promise<PackedIndex> {
  const index = new PackedIndex();
  // Large raw batches, walked in place (index-row.ts); OFM's own accounts (no string
  // ssoUserId) read as null there and are left out, with no filter for the server to apply.
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

/** A delta's index of users: by key, or whole past a share (keyed-index.ts). */
function deltaUserIndex(ctx: WriteCtx, relieve?: () => void): KeyedIndex {
  return new KeyedIndex({
    byKeys: async (keys) =>
      readUserRows(ctx.users, { ssoUserId: { $in: [...keys] } }, (await ctx.traits()).updatesById),
    whole: async () => readUserIndex(ctx.users, (await ctx.traits()).updatesById, relieve),
    estimate: () => ctx.users.estimatedDocumentCount(),
  });
}

/** A delta's index of org units, by `_id`. */
function deltaOrgUnitIndex(ctx: WriteCtx): KeyedIndex {
  return new KeyedIndex({
    byKeys: async (keys) => {
      const docs = await ctx.units.find({ _id: { $in: [...keys] } } as Document, {
        projection: { _id: 1, syncHash: 1, isActive: 1 },
      }).toArray();
      return docs.map((d) => ({
        key: String(d._id),
        hash: String(d.syncHash ?? ""),
        active: d.isActive !== false,
      }));
    },
    whole: () => readOrgUnitIndex(ctx.units),
    estimate: () => ctx.units.estimatedDocumentCount(),
  });
}

/** The index rows of the users matching `filter` (a delta's keys). */
async function readUserRows(users: Collection<Document>, filter: Document, withIds: boolean) {
  const docs = await users.find(filter, {
    projection: userIndexProjection(withIds),
    raw: true,
  }).toArray();
  return docs.flatMap((d) => indexRow(d as unknown as Buffer) ?? []);
}

async function readOrgUnitIndex(units: Collection<Document>): Promise<PackedIndex> {
  const index = new PackedIndex();
  const cursor = units.find({}, { projection: { _id: 1, syncHash: 1, isActive: 1 } });
  for await (const d of cursor) {
    index.add(String(d._id), String(d.syncHash ?? ""), d.isActive !== false);
  }
  return index;
}

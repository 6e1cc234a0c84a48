/**
 * The indexes of `users` in a real OFM: OFM's own accounts (no `ssoUserId`)
 * and OFM's own unique indexes are there before the sync, and stay.
 *
 * - The sync's unique index covers only the documents it owns: a partial
 *   index on `ssoUserId` of type string where the server honours one
 *   (MongoDB). mongo-java-server accepts a partial filter but ignores it, and
 *   FerretDB 1.24 refuses it; there a unique index that leaves out documents
 *   without the field serves (mongo-java-server's sparse index; FerretDB's
 *   unique indexes skip missing fields by themselves). Which one is in place
 *   is found out on a scratch collection, not guessed, and logged. If OFM's
 *   data still collides (several accounts with an explicit `ssoUserId: null`),
 *   the index is not unique and the log says so.
 * - `emailKey` (lookups and matching by email) and, when matching by it,
 *   `userId` get plain indexes of ours.
 * - Every other unique index (OFM's, or a unique `email` index an earlier
 *   release made — they cannot be told apart) is respected and never
 *   dropped: its fields are returned, so a refused write can be traced to the
 *   account that holds the value (identity/).
 *
 * @module
 */
import type { Db, Document } from "mongodb";
import { z } from "zod";
import type { Logger } from "../../shared/logger.ts";
import type { MatchOn } from "../documents/match-key.ts";
import { USERS } from "./collections.ts";

/** How `ssoUserId` uniqueness is enforced on this server. */
export type SsoIdIndexKind = "partial" | "sparse" | "legacy" | "not-unique";

/** What {@linkcode ensureUserIndexes} found and made. */
export interface UserIndexReport {
  ssoUserId: SsoIdIndexKind;
  /** Key patterns (field lists) of the unique indexes besides `_id` and `ssoUserId`. */
  unique: string[][];
}

/** An index as `listIndexes` describes it; parsed, since OFM made most of them. */
const IndexSpec = z.looseObject({
  name: z.string(),
  key: z.record(z.string(), z.unknown()),
  unique: z.boolean().optional(),
  sparse: z.boolean().optional(),
  partialFilterExpression: z.record(z.string(), z.unknown()).optional(),
});
type IndexSpec = z.infer<typeof IndexSpec>;

const OURS = "scimsync_ssoUserId";
const LEGACY = "ssoUserId_1";
const SYNC_OWNED = { ssoUserId: { $type: "string" } };

/**
 * Ensures the sync's indexes on `users` and reports the unique ones.
 *
 * @example
 * ```ts
 * const { ssoUserId, unique } = await ensureUserIndexes(db, { matchOn: "email", logger });
 * // "partial", [["email"], ["userId"]]
 * ```
 */
export async function ensureUserIndexes(
  db: Db,
  o: { matchOn: MatchOn; logger: Logger },
): Promise<UserIndexReport> {
  const users = db.collection(USERS);
  const before = await listIndexes(db);
  const ssoUserId = await ensureSsoIdIndex(db, before, o.logger);
  await users.createIndex({ emailKey: 1 }, { name: "scimsync_emailKey", sparse: true });
  if (o.matchOn === "userId" && !before.some((i) => sameKey(i, ["userId"]))) {
    await users.createIndex({ userId: 1 }, { name: "scimsync_userId" });
  }
  const unique = (await listIndexes(db))
    .filter((i) => i.unique === true && !sameKey(i, ["_id"]) && !sameKey(i, ["ssoUserId"]))
    .map((i) => Object.keys(i.key));
  return { ssoUserId, unique };
}

async function listIndexes(db: Db): Promise<IndexSpec[]> {
  const exists = await db.listCollections({ name: USERS }, { nameOnly: true }).toArray();
  if (exists.length === 0) return [];
  const raw = await db.collection(USERS).listIndexes().toArray();
  return raw.flatMap((d: Document) => {
    const parsed = IndexSpec.safeParse(d);
    return parsed.success ? [parsed.data] : [];
  });
}

const sameKey = (i: IndexSpec, fields: readonly string[]) => {
  const keys = Object.keys(i.key);
  return keys.length === fields.length && keys.every((k, n) => k === fields[n]);
};

/** The unique `ssoUserId` index that leaves OFM's own accounts alone, whatever the server. */
async function ensureSsoIdIndex(
  db: Db,
  existing: readonly IndexSpec[],
  log: Logger,
): Promise<SsoIdIndexKind> {
  const users = db.collection(USERS);
  const ours = existing.find((i) => i.name === OURS);
  if (ours) return ours.partialFilterExpression ? "partial" : ours.unique ? "sparse" : "not-unique";
  const legacy = existing.find((i) => i.name === LEGACY && sameKey(i, ["ssoUserId"]));
  const kind = await probeUniqueKind(db);
  try {
    if (kind === "partial") {
      await users.createIndex({ ssoUserId: 1 }, {
        name: OURS,
        unique: true,
        partialFilterExpression: SYNC_OWNED,
      });
      // An earlier release's full unique index would still refuse OFM's second account.
      if (legacy) await users.dropIndex(LEGACY);
    } else if (legacy) {
      log.info(
        "🗂️ users.ssoUserId: keeping the existing unique index (this server has no partial indexes)",
      );
      return "legacy";
    } else {
      await users.createIndex({ ssoUserId: 1 }, { name: OURS, unique: true, sparse: true });
    }
    log.info(`🗂️ users.ssoUserId: unique ${kind} index over the sync's own documents`);
    return kind;
  } catch (e) {
    // OFM's data collides (explicit nulls): uniqueness then rests on the sync's own care.
    await users.createIndex({ ssoUserId: 1 }, { name: OURS });
    log.warn(
      "⚠️ users.ssoUserId: a unique index could not be built over OFM's data; a plain index is used",
      { reason: e instanceof Error ? e.message : String(e) },
    );
    return "not-unique";
  }
}

/**
 * Whether this server honours a partial unique index: on a scratch collection, two
 * documents without the field must both be accepted under it.
 */
async function probeUniqueKind(db: Db): Promise<"partial" | "sparse"> {
  const scratch = db.collection(`scimsync_probe_${Date.now().toString(36)}`);
  try {
    await scratch.createIndex({ k: 1 }, {
      unique: true,
      partialFilterExpression: { k: { $type: "string" } },
    });
    await scratch.insertMany([{ a: 1 }, { a: 2 }], { ordered: true });
    return "partial";
  } catch {
    return "sparse";
  } finally {
    await scratch.drop().catch(() => {});
  }
}

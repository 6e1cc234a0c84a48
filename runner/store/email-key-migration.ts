/**
 * Documents the sync wrote before `emailKey` existed get it once: matching
 * and lookups by email compare `emailKey`, and a returning person must find
 * the account an earlier release created. Done in batches by `_id`, then
 * marked done in `locks`, so later starts read one document instead of
 * scanning `users`.
 *
 * Not on FerretDB, where every update scans its table (a 100,000-user backfill
 * would take hours): there lookups also compare `email` as stored, and every
 * later write adds `emailKey` (identity-store.ts).
 *
 * @module
 */
import type { AnyBulkWriteOperation, Db, Document } from "mongodb";
import { emailKeyOf } from "../documents/match-key.ts";
import { LOCKS, USERS } from "./collections.ts";

const MARK = "migration:emailKey";
const BATCH = 1000;
/** Statements per update command (FerretDB-safe, see server-kind.ts). */
const CHUNK = 50;

/**
 * Adds `emailKey` to the sync's documents that lack it; returns how many were updated.
 *
 * @example
 * ```ts
 * await backfillEmailKeys(db); // 0 once done
 * ```
 */
export async function backfillEmailKeys(db: Db): Promise<number> {
  const locks = db.collection<{ _id: string; doneAt: Date }>(LOCKS);
  if (await locks.findOne({ _id: MARK })) return 0;
  const users = db.collection(USERS);
  let updated = 0;
  for (;;) {
    const docs = await users.find(
      { ssoUserId: { $type: "string" }, emailKey: { $exists: false }, email: { $type: "string" } },
      { projection: { _id: 1, email: 1 } },
    ).limit(BATCH).toArray();
    if (docs.length === 0) break;
    const ops: AnyBulkWriteOperation<Document>[] = docs.map((d) => ({
      updateOne: {
        filter: { _id: d._id, emailKey: { $exists: false } },
        update: { $set: { emailKey: emailKeyOf(String(d.email)) } },
      },
    }));
    for (let i = 0; i < ops.length; i += CHUNK) {
      updated += (await users.bulkWrite(ops.slice(i, i + CHUNK), { ordered: false })).modifiedCount;
    }
    if (docs.length < BATCH) break;
  }
  await locks.updateOne({ _id: MARK }, { $set: { doneAt: new Date() } }, { upsert: true });
  return updated;
}

/**
 * Persistence of `npm run purge`: the users deactivated before a cutoff,
 * their hard delete — conditional, so a user reactivated meanwhile (by a
 * webhook or a sync) is never deleted — and the purge's own `syncHistory`
 * record (`type: "purge"`, which the schedule, the guard's window and the
 * health check all leave out).
 *
 * @module
 */
import type { Db, Filter, ObjectId } from "mongodb";
import { SYNC_HISTORY, type UserDoc, USERS } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/** A user the purge may delete, as listed. */
export interface PurgeCandidate {
  ssoUserId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  deactivatedAt: Date;
}

/** The counters of a purge record. */
export interface PurgeStats {
  candidates: number;
  usersDeleted: number;
  /** Inactive in OFM but active in the SSO: kept (a sync will reactivate them). */
  keptActive: number;
  /** Still listed by the SSO as inactive: kept, since a full sync would create them again. */
  keptListed?: number;
  /** The SSO could not confirm: kept, and listed in `errors`. */
  unconfirmed: number;
  errors: { resourceType: "User"; resourceId: string; code: string; message: string }[];
}

/** The `syncHistory` record of one purge. */
export interface PurgeRecord {
  type: "purge";
  startedAt: Date;
  completedAt: Date | null;
  status: "running" | "success" | "failed" | "aborted" | "interrupted";
  /** Users deactivated before this instant were candidates. */
  cutoff: Date;
  inactiveForMs: number;
  forced: boolean;
  stats: PurgeStats;
  error?: { code: string; message: string } | null;
  durationMs?: number;
  runner?: string;
}

/** What {@linkcode createPurgeStore} returns. */
export type PurgeStore = ReturnType<typeof createPurgeStore>;

/**
 * Long-departed users the sync owns: inactive, with a deactivation date before the cutoff.
 * OFM's own accounts (no string `ssoUserId`) are never candidates.
 */
const departedBefore = (cutoff: Date): Filter<UserDoc> =>
  ({ ssoUserId: { $type: "string" }, isActive: false, deactivatedAt: { $lte: cutoff } }) as Filter<
    UserDoc
  >;

/**
 * Creates the purge store.
 *
 * @example
 * ```ts
 * const purge = createPurgeStore(db, { ttlDays: 90 });
 * const gone = await purge.candidates(new Date(Date.now() - 90 * 86_400_000));
 * ```
 */
export function createPurgeStore(db: Db, opts: { ttlDays: number }) {
  const users = db.collection<UserDoc>(USERS);
  const history = db.collection<PurgeRecord & { expiresAt?: Date }>(SYNC_HISTORY);
  return translateDriverErrors({
    /** Every candidate, longest departed first (projected: a few fields each). */
    async candidates(cutoff: Date): Promise<PurgeCandidate[]> {
      const docs = await users.find(departedBefore(cutoff), {
        projection: { _id: 0, ssoUserId: 1, email: 1, firstName: 1, lastName: 1, deactivatedAt: 1 },
      }).sort({ deactivatedAt: 1 }).toArray();
      return docs.map((d) => ({
        ssoUserId: d.ssoUserId,
        email: d.email,
        firstName: d.firstName ?? null,
        lastName: d.lastName ?? null,
        deactivatedAt: d.deactivatedAt as Date,
      }));
    },
    /** All users in OFM (PURGE_MAX's base when it is a share). */
    countUsers(): Promise<number> {
      return users.countDocuments({});
    },
    /** Up to `n` SSO ids of active accounts the sync owns, from a random offset. */
    async sampleActive(n: number): Promise<string[]> {
      const active = { ssoUserId: { $type: "string" }, isActive: true } as Filter<UserDoc>;
      const total = await users.countDocuments(active);
      const skip = Math.max(0, Math.floor(Math.random() * Math.max(0, total - n)));
      const docs = await users.find(active, { projection: { _id: 0, ssoUserId: 1 } })
        .sort({ _id: 1 }).skip(skip).limit(n).toArray();
      return docs.map((d) => d.ssoUserId);
    },
    /**
     * Deletes those of `ids` still departed before the cutoff, in one
     * deleteMany; returns the ids actually deleted (one read after, only when
     * some were not: reactivated in between).
     */
    async deleteDeparted(ids: readonly string[], cutoff: Date): Promise<string[]> {
      if (ids.length === 0) return [];
      const filter = { ...departedBefore(cutoff), ssoUserId: { $in: [...ids] } };
      const res = await users.deleteMany(filter);
      if (res.deletedCount === ids.length) return [...ids];
      const left = await users.find({ ssoUserId: { $in: [...ids] } }, {
        projection: { _id: 0, ssoUserId: 1 },
      }).toArray();
      const kept = new Set(left.map((d) => d.ssoUserId));
      return ids.filter((id) => !kept.has(id));
    },
    async startRecord(record: PurgeRecord): Promise<ObjectId> {
      const expiresAt = new Date(record.startedAt.getTime() + opts.ttlDays * 86_400_000);
      const res = await history.insertOne({ ...record, expiresAt });
      return res.insertedId as ObjectId;
    },
    async finishRecord(id: ObjectId, patch: Partial<PurgeRecord>): Promise<void> {
      await history.updateOne({ _id: id }, { $set: patch });
    },
  });
}

/**
 * Lease documents in `locks`: at most one owner at a time across all replicas,
 * with no transactions (FerretDB has none). Taking a lease is ONE atomic
 * `findOneAndUpdate` that matches only a free, expired or own lease; when the
 * document is held by someone else the filter misses and the upsert collides
 * on `_id`, so the duplicate-key error (11000) is the "held" answer.
 *
 * @module
 */
import { type Db, MongoServerError } from "mongodb";
import { z } from "zod";
import { LOCKS, type LockDoc } from "./collections.ts";

/** A lease as stored; parsed, since another replica (or version) may have written it. */
export const StoredLease = z.object({
  _id: z.string(),
  owner: z.string().nullable(),
  expiresAt: z.date(),
  acquiredAt: z.date(),
});

/** What {@linkcode createLeaseStore} returns. */
export interface LeaseStore {
  /** Takes or extends the lease for `ttlMs`; the lease on success, null when another owner holds it. */
  acquire(name: string, owner: string, ttlMs: number): Promise<LockDoc | null>;
  /** Extends a lease this owner holds; false when it is no longer ours. */
  renew(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if this owner holds it; false when it was not ours. */
  release(name: string, owner: string): Promise<boolean>;
  /** The current holder, or null when the lease is free or expired. */
  holder(name: string): Promise<LockDoc | null>;
}

const EPOCH = new Date(0);

function isDuplicateKey(e: unknown): boolean {
  return e instanceof MongoServerError && e.code === 11000;
}

/**
 * Creates the lease store over `db.locks`.
 *
 * @param now clock; leases compare against it, so replicas need roughly synchronised clocks
 *   (skew below the TTL is harmless)
 * @example
 * ```ts
 * const leases = createLeaseStore(db);
 * const lease = await leases.acquire("scim-sync", "runner-a", 30_000);
 * if (lease) { try { await work(); } finally { await leases.release("scim-sync", "runner-a"); } }
 * ```
 */
export function createLeaseStore(db: Db, opts: { now?: () => Date } = {}): LeaseStore {
  const col = db.collection<LockDoc>(LOCKS);
  const now = opts.now ?? (() => new Date());

  return {
    async acquire(name, owner, ttlMs) {
      const t = now();
      try {
        const doc = await col.findOneAndUpdate(
          { _id: name, $or: [{ expiresAt: { $lt: t } }, { owner }] },
          { $set: { owner, expiresAt: new Date(t.getTime() + ttlMs), acquiredAt: t } },
          { upsert: true, returnDocument: "after" },
        );
        const parsed = StoredLease.safeParse(doc);
        return parsed.success && parsed.data.owner === owner ? parsed.data : null;
      } catch (e) {
        if (isDuplicateKey(e)) return null;
        throw e;
      }
    },
    async renew(name, owner, ttlMs) {
      const t = now();
      // A lease that expired may already belong to someone else: only extend our own, unexpired one.
      const res = await col.updateOne(
        { _id: name, owner, expiresAt: { $gte: t } },
        { $set: { expiresAt: new Date(t.getTime() + ttlMs) } },
      );
      return res.matchedCount === 1;
    },
    async release(name, owner) {
      const res = await col.updateOne({ _id: name, owner }, { $set: { owner: null, expiresAt: EPOCH } });
      return res.matchedCount === 1;
    },
    async holder(name) {
      const parsed = StoredLease.safeParse(await col.findOne({ _id: name }));
      if (!parsed.success || parsed.data.owner === null) return null;
      return parsed.data.expiresAt.getTime() < now().getTime() ? null : parsed.data;
    },
  };
}

/**
 * Leases in `locks`: at most one owner at a time across all replicas, on
 * MongoDB and on FerretDB alike.
 *
 * Why terms instead of one document updated with `findOneAndUpdate`: FerretDB
 * 1.24 evaluates the filter of an update or findAndModify and writes the
 * document in separate steps, so two replicas taking a free lease at the same
 * instant BOTH matched it (137 of 200 tries in our race test). The one write
 * that is atomic on both servers is an insert against the unique `_id` index.
 * So every holding is a new document `<name>#<term>`: taking the lease means
 * inserting term N+1 after seeing term N free or expired, and of two replicas
 * racing for it exactly one insert succeeds (the other gets E11000). Only the
 * owner of a term ever updates it (renew, release), so those read-modify-write
 * updates cannot lose another replica's write. The current holder is the
 * latest term, if it is neither released nor expired.
 *
 * @module
 */
import { type Db, MongoServerError } from "mongodb";
import { z } from "zod";
import { type LockDoc, LOCKS } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/** A lease term as stored; parsed, since another replica (or version) may have written it. */
export const StoredLease = z.object({
  _id: z.string(),
  name: z.string(),
  term: z.number().int().positive(),
  owner: z.string().nullable(),
  expiresAt: z.date(),
  acquiredAt: z.date(),
});
export type StoredLease = z.infer<typeof StoredLease>;

/** What {@linkcode createLeaseStore} returns. Leases are reported as `LockDoc` with `_id` = term id. */
export interface LeaseStore {
  /** Takes (or, when already ours, extends) the lease for `ttlMs`; null when another owner holds it. */
  acquire(name: string, owner: string, ttlMs: number): Promise<LockDoc | null>;
  /** Extends a lease this owner holds; false when it is no longer ours. */
  renew(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if this owner holds it; false when it was not ours. */
  release(name: string, owner: string): Promise<boolean>;
  /** The current holder, or null when the lease is free or expired. */
  holder(name: string): Promise<LockDoc | null>;
}

const EPOCH = new Date(0);
/** Terms kept behind the current one, for diagnostics; older ones are deleted. */
const KEEP_TERMS = 10;

const isDuplicateKey = (e: unknown) => e instanceof MongoServerError && e.code === 11000;
const asLock = (d: StoredLease): LockDoc => ({
  _id: d._id,
  owner: d.owner,
  expiresAt: d.expiresAt,
  acquiredAt: d.acquiredAt,
});

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
  const col = db.collection<StoredLease>(LOCKS);
  const now = opts.now ?? (() => new Date());

  async function latest(name: string): Promise<StoredLease | null> {
    const doc = await col.find({ name }).sort({ term: -1 }).limit(1).next();
    const parsed = StoredLease.safeParse(doc);
    return parsed.success ? parsed.data : null;
  }
  const live = (d: StoredLease, t: Date) =>
    d.owner !== null && d.expiresAt.getTime() >= t.getTime();

  /** Extends our own term, then checks no newer term slipped in meanwhile. */
  async function extend(cur: StoredLease, ttlMs: number, t: Date): Promise<StoredLease | null> {
    const expiresAt = new Date(t.getTime() + ttlMs);
    await col.updateOne({ _id: cur._id }, { $set: { expiresAt } });
    const after = await latest(cur.name);
    return after?._id === cur._id ? { ...cur, expiresAt } : null;
  }

  return translateDriverErrors<LeaseStore>({
    async acquire(name, owner, ttlMs) {
      const t = now();
      const cur = await latest(name);
      if (cur !== null && live(cur, t)) {
        if (cur.owner !== owner) return null;
        const extended = await extend(cur, ttlMs, t);
        return extended && asLock(extended);
      }
      const term = (cur?.term ?? 0) + 1;
      const doc: StoredLease = {
        _id: `${name}#${term}`,
        name,
        term,
        owner,
        expiresAt: new Date(t.getTime() + ttlMs),
        acquiredAt: t,
      };
      try {
        await col.insertOne(doc);
      } catch (e) {
        if (isDuplicateKey(e)) return null;
        throw e;
      }
      // Housekeeping only; a failure here leaves a few more old terms behind.
      await col.deleteMany({ name, term: { $lt: term - KEEP_TERMS } }).catch(() => {});
      return asLock(doc);
    },
    async renew(name, owner, ttlMs) {
      const t = now();
      const cur = await latest(name);
      if (cur === null || !live(cur, t) || cur.owner !== owner) return false;
      return (await extend(cur, ttlMs, t)) !== null;
    },
    async release(name, owner) {
      const cur = await latest(name);
      if (cur === null || cur.owner !== owner) return false;
      await col.updateOne({ _id: cur._id }, { $set: { owner: null, expiresAt: EPOCH } });
      return true;
    },
    async holder(name) {
      const cur = await latest(name);
      return cur !== null && live(cur, now()) ? asLock(cur) : null;
    },
  });
}

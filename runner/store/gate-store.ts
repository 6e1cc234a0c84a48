/**
 * Persistence of the deactivation gate (gate/gate.ts): each state of a kind
 * is a new document `<kind>:<seq>` in `deactivationGate`. Inserting the next
 * sequence number is the gate's compare-and-swap, atomic on every
 * MongoDB-wire server through the unique `_id` (the lease does the same, see
 * lease-store.ts). Old states are deleted behind the newest few.
 *
 * @module
 */
import type { Db } from "mongodb";
import { z } from "zod";
import type { GateKind, GatePersistence } from "../gate/gate.ts";
import { EMPTY_GATE, type GateState } from "../gate/gate-state.ts";
import { DEACTIVATION_GATE, ORG_UNITS, USERS } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";
import { insertClaim } from "./insert-claim.ts";

/** One stored state, parsed: another replica (or version) may have written it. */
const StoredGateState = z.object({
  _id: z.string(),
  kind: z.enum(["users", "orgUnits"]),
  seq: z.number().int().nonnegative(),
  at: z.date(),
  entries: z.array(z.object({
    at: z.date(),
    n: z.number().int().nonnegative(),
    forced: z.boolean(),
    by: z.string(),
  })),
  pending: z.array(z.object({
    id: z.string(),
    n: z.number().int().nonnegative(),
    at: z.date(),
    forced: z.boolean(),
    by: z.string(),
  })),
  baseline: z.number().nonnegative().optional(),
});
type StoredGateState = z.infer<typeof StoredGateState>;

/** States kept behind the newest, for diagnostics. */
const KEEP = 20;

/** The `_id` of a state: zero-padded, so `_id` order is `seq` order. */
const idOf = (kind: GateKind, seq: number) => `${kind}:${String(seq).padStart(12, "0")}`;

/**
 * The users the gate counts as active: the sync's own (a string `ssoUserId`), never OFM's
 * own accounts.
 */
export const SYNC_OWNED_ACTIVE = { ssoUserId: { $type: "string" }, isActive: true } as const;

/**
 * Creates the gate's persistence.
 *
 * @example
 * ```ts
 * const gate = createGate(createGateStore(db), { limit, windowMs });
 * ```
 */
export function createGateStore(db: Db): GatePersistence & { ensureIndexes(): Promise<void> } {
  const col = db.collection<StoredGateState>(DEACTIVATION_GATE);
  return translateDriverErrors({
    async ensureIndexes(): Promise<void> {
      await col.createIndex({ kind: 1, seq: -1 });
    },
    async latest(kind: GateKind): Promise<GateState> {
      // By `_id` range: the filter FerretDB serves from its index too.
      const doc = await col.find({ _id: { $gte: `${kind}:`, $lt: `${kind};` } })
        .sort({ _id: -1 }).limit(1).next();
      if (doc === null) return EMPTY_GATE;
      const parsed = StoredGateState.safeParse(doc);
      if (!parsed.success) {
        // A state this version cannot read must not open the gate: refuse loudly.
        throw new Error(`deactivationGate ${doc._id} is unreadable: ${parsed.error.message}`);
      }
      const { seq, entries, pending, baseline } = parsed.data;
      return { seq, entries, pending, ...(baseline === undefined ? {} : { baseline }) };
    },
    async commit(kind: GateKind, state: GateState, at: Date): Promise<boolean> {
      if (!(await insertClaim(col, { _id: idOf(kind, state.seq), kind, at, ...state }))) {
        return false;
      }
      if (state.seq % KEEP === 0) {
        // Housekeeping only; a failure leaves a few more old states behind.
        await col.deleteMany({ _id: { $gte: `${kind}:`, $lt: idOf(kind, state.seq - KEEP) } })
          .catch(() => {});
      }
      return true;
    },
    countActive(kind: GateKind): Promise<number> {
      return kind === "users"
        ? db.collection(USERS).countDocuments(SYNC_OWNED_ACTIVE)
        : db.collection(ORG_UNITS).countDocuments({ isActive: true });
    },
  });
}

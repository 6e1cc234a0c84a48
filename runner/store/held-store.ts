/**
 * `heldDeactivations`, persistence only: one document per person or org unit
 * the gate kept active (documents/held-item.ts), written when a sync's plan
 * or a webhook event is refused and when an operator decides. Names of
 * people held by absence are looked up in `users` (and `orgUnits`) in one
 * query per chunk; every read is parsed with zod, so a document another
 * version wrote that this one cannot read is skipped and counted, never
 * trusted.
 *
 * Holding is read, decide (documents/held-transitions.ts), replace: two
 * holders of the same person at the same instant may lose one event id from
 * its list; the event itself stays `held` in `webhookEvents`.
 *
 * @module
 */
import type { AnyBulkWriteOperation, Collection, Db, Document } from "mongodb";
import {
  type HeldDecision,
  heldId,
  HeldItem,
  type HeldSource,
  type HeldStatus,
  type HoldRequest,
  personName,
} from "../documents/held-item.ts";
import { decided, heldAgain, type LookedUp, type OpenItem } from "../documents/held-transitions.ts";
import { HELD_DEACTIVATIONS, ORG_UNITS, USERS } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";
import { serverTraitsOnce } from "./server-kind.ts";

/** Ids per look-up query. */
const CHUNK = 500;

/** A stored item with what the page adds: its department's name. */
export interface HeldRow extends HeldItem {
  departmentName: string | null;
}

/** One page of items, the total of their status, and how many could not be read. */
export interface HeldPage {
  total: number;
  items: HeldRow[];
  skipped: number;
}

/** What {@linkcode createHeldStore} returns. */
export type HeldStore = ReturnType<typeof createHeldStore>;

type Stored = HeldItem & { emailKey: string | null };

const chunks = <T>(xs: readonly T[], n: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
};

const OPEN_FIELDS = { _id: 1, status: 1, "previous.status": 1 } as const;
const openOf = (
  d: { status: HeldStatus; previous?: { status?: HeldStatus } | null },
): OpenItem => ({
  status: d.status,
  previous: d.previous?.status ?? null,
});

/** Parsed items; the unreadable are counted. */
function parseAll(docs: readonly unknown[]): { items: HeldItem[]; skipped: number } {
  const items: HeldItem[] = [];
  for (const d of docs) {
    const p = HeldItem.safeParse(d);
    if (p.success) items.push(p.data);
  }
  return { items, skipped: docs.length - items.length };
}

/** The collections a held store works on, and the server's update chunk. */
interface Cols {
  col: Collection<Stored>;
  users: Collection<Document>;
  units: Collection<Document>;
  writeChunk: () => Promise<number>;
}

/** Names of the requests that carry none: one query per chunk per resource type. */
async function lookUp(c: Cols, reqs: readonly HoldRequest[]): Promise<Map<string, LookedUp>> {
  const out = new Map<string, LookedUp>();
  const missing = (t: "User" | "Group") =>
    reqs.filter((r) => r.resourceType === t && r.name === undefined).map((r) => r.resourceId);
  for (const ids of chunks(missing("User"), CHUNK)) {
    const docs = await c.users.find({ ssoUserId: { $in: ids } }, {
      projection: { _id: 0, ssoUserId: 1, firstName: 1, lastName: 1, email: 1, departmentId: 1 },
    }).toArray();
    for (const d of docs) {
      out.set(heldId("User", String(d.ssoUserId)), {
        name: personName(d as { firstName?: string | null; lastName?: string | null }),
        email: typeof d.email === "string" ? d.email : null,
        departmentId: typeof d.departmentId === "string" ? d.departmentId : null,
      });
    }
  }
  for (const ids of chunks(missing("Group"), CHUNK)) {
    const docs = await c.units.find({ _id: { $in: ids } } as object, {
      projection: { _id: 1, unitName: 1, parentUnitId: 1 },
    }).toArray();
    for (const d of docs) {
      out.set(heldId("Group", String(d._id)), {
        name: typeof d.unitName === "string" ? d.unitName : null,
        email: null,
        departmentId: typeof d.parentUnitId === "string" ? d.parentUnitId : null,
      });
    }
  }
  return out;
}

/** Items by `_id`, parsed. */
async function byIds(c: Cols, ids: readonly string[]): Promise<Map<string, HeldItem>> {
  const out = new Map<string, HeldItem>();
  for (const part of chunks(ids, CHUNK)) {
    const docs = await c.col.find({ _id: { $in: part } }).toArray();
    for (const item of parseAll(docs).items) out.set(item._id, item);
  }
  return out;
}

/** Replaces the items (upserting), in the server's update chunk. */
async function replace(c: Cols, items: readonly HeldItem[]): Promise<number> {
  let n = 0;
  for (const part of chunks(items, await c.writeChunk())) {
    const ops: AnyBulkWriteOperation<Stored>[] = part.map((item) => ({
      replaceOne: {
        filter: { _id: item._id },
        replacement: { ...item, emailKey: item.email?.toLowerCase() ?? null },
        upsert: true,
      },
    }));
    const r = await c.col.bulkWrite(ops, { ordered: false });
    n += r.upsertedCount + r.matchedCount;
  }
  return n;
}

/** Department (or parent unit) names of the rows, in one query. */
async function withNames(c: Cols, items: HeldItem[]): Promise<HeldRow[]> {
  const ids = [...new Set(items.flatMap((i) => (i.departmentId ? [i.departmentId] : [])))];
  const names = new Map<string, string>();
  if (ids.length > 0) {
    const docs = await c.units.find({ _id: { $in: ids } } as object, {
      projection: { _id: 1, unitName: 1 },
    }).toArray();
    for (const d of docs) if (typeof d.unitName === "string") names.set(String(d._id), d.unitName);
  }
  return items.map((i) => ({ ...i, departmentName: names.get(i.departmentId ?? "") ?? null }));
}

async function hold(
  c: Cols,
  reqs: readonly HoldRequest[],
  source: HeldSource,
  at: Date,
): Promise<number> {
  if (reqs.length === 0) return 0;
  const [found, existing] = await Promise.all([
    lookUp(c, reqs),
    byIds(c, reqs.map((r) => heldId(r.resourceType, r.resourceId))),
  ]);
  const items = reqs.map((r) => {
    const id = heldId(r.resourceType, r.resourceId);
    return heldAgain(existing.get(id) ?? null, r, found.get(id), source, at);
  });
  return await replace(c, items);
}

async function page(c: Cols, pageNo: number, size: number, status: HeldStatus): Promise<HeldPage> {
  const [total, docs] = await Promise.all([
    c.col.countDocuments({ status }),
    c.col.find({ status }).sort({ since: 1, _id: 1 }).skip((pageNo - 1) * size).limit(size)
      .toArray(),
  ]);
  const { items, skipped } = parseAll(docs);
  return { total, items: await withNames(c, items), skipped };
}

async function held(c: Cols, keys?: readonly string[]): Promise<HeldRow[]> {
  const filter = keys === undefined ? { status: "held" as const } : {
    status: "held" as const,
    $or: [
      { _id: { $in: [...keys] } },
      { resourceId: { $in: [...keys] } },
      { emailKey: { $in: keys.map((k) => k.toLowerCase()) } },
    ],
  };
  const docs = await c.col.find(filter).sort({ since: 1, _id: 1 }).toArray();
  return await withNames(c, parseAll(docs).items);
}

async function decide(
  c: Cols,
  decisions: readonly { id: string; decision: HeldDecision }[],
  from: readonly HeldStatus[],
): Promise<number> {
  const items = await byIds(c, decisions.map((d) => d.id));
  let n = 0;
  for (const part of chunks(decisions, await c.writeChunk())) {
    const ops: AnyBulkWriteOperation<Stored>[] = part.flatMap(({ id, decision }) => {
      const item = items.get(id);
      if (!item || !from.includes(item.status)) return [];
      const next = decided(item, decision);
      const previous = item.status === "held" ? item.previous : item.decision;
      return [{
        updateOne: {
          filter: { _id: id, status: item.status },
          update: { $set: { status: next.status, decision: next.decision, previous } },
        },
      }];
    });
    if (ops.length > 0) n += (await c.col.bulkWrite(ops, { ordered: false })).modifiedCount;
  }
  return n;
}

/**
 * Creates the held store.
 *
 * @example
 * ```ts
 * const held = createHeldStore(db);
 * await held.ensureIndexes();
 * await held.hold([{ resourceType: "User", resourceId: "u1", reason: "absent_from_listing" }], { kind: "sync", historyId: "h1" }, new Date());
 * (await held.page(1, 50)).total; // 1
 * ```
 */
export function createHeldStore(db: Db) {
  const traits = serverTraitsOnce(db);
  const c: Cols = {
    col: db.collection<Stored>(HELD_DEACTIVATIONS),
    users: db.collection(USERS),
    units: db.collection(ORG_UNITS),
    writeChunk: async () => (await traits()).updateChunk,
  };
  return translateDriverErrors({
    /** The page's order within a status, and look-ups by SSO id and email (idempotent). */
    async ensureIndexes(): Promise<void> {
      await c.col.createIndex({ status: 1, since: 1, _id: 1 });
      await c.col.createIndex({ resourceId: 1 });
      await c.col.createIndex({ emailKey: 1 });
    },
    /**
     * Holds each request (a new item, a held one refreshed, a decided one held again);
     * returns how many items were written.
     */
    hold: (reqs: readonly HoldRequest[], source: HeldSource, at: Date): Promise<number> =>
      hold(c, reqs, source, at),
    /** One page (1-based) of the items of a status, oldest first, with department names. */
    page: (pageNo: number, size: number, status: HeldStatus = "held"): Promise<HeldPage> =>
      page(c, pageNo, size, status),
    /**
     * Items still held, by `_id`, SSO id or email (any letter case), with department names;
     * all of them without keys.
     */
    held: (keys?: readonly string[]): Promise<HeldRow[]> => held(c, keys),
    /** Items by `_id`, whatever their status. */
    byIds: async (
      ids: readonly string[],
    ): Promise<HeldItem[]> => [...(await byIds(c, ids)).values()],
    /** The status of one item (and of the decision before), or null when there is none. */
    async statusOf(id: string): Promise<OpenItem | null> {
      const doc = await c.col.findOne({ _id: id }, { projection: OPEN_FIELDS });
      return doc ? openOf(doc) : null;
    },
    /** By `_id`, every item held or rejected, with the decision before. */
    async open(): Promise<Map<string, OpenItem>> {
      const docs = await c.col.find({ status: { $in: ["held", "rejected"] } }, {
        projection: OPEN_FIELDS,
      }).toArray();
      return new Map(docs.map((d) => [d._id, openOf(d)]));
    },
    /**
     * Closes items with a decision, each only if still in one of `from` (another
     * operator's decision in between wins); returns how many were closed.
     */
    decide: (
      decisions: readonly { id: string; decision: HeldDecision }[],
      from: readonly HeldStatus[] = ["held"],
    ): Promise<number> => decide(c, decisions, from),
    /** Items waiting for a decision (the metrics gauge, the aborted run's message). */
    count: (): Promise<number> => c.col.countDocuments({ status: "held" }),
  });
}

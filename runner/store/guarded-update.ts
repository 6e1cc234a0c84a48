/**
 * The webhook path's version-guarded updates of one collection, grouped: the
 * updates started in one turn of the event loop (the events of one forwarded
 * batch) leave as one unordered `update` command where the server applies
 * each update atomically (MongoDB, mongo-java-server), instead of one command
 * per person. Each update was a command of its own because a bulk write
 * answers how many statements matched, not which, and a lost race must be
 * decided again for that person alone.
 *
 * So: when every statement matched, each was written. Otherwise (a race, or a
 * statement refused) the documents are read back in one `find`, and a
 * statement counts as written only where its document still holds every value
 * it set — `updatedAt` among them, this write's own instant — else it lost the
 * race. Either way nothing is counted that MongoDB did not acknowledge or that
 * the document does not show. Decided: a document another writer set to the
 * very same values (the same instant included) counts as this write's, since
 * it holds exactly what the event says.
 *
 * On a server whose updates are not atomic (FerretDB: read, apply, write back),
 * and for a lone update, each statement stays its own `updateOne`.
 *
 * @module
 */
import type { AnyBulkWriteOperation, Collection, Document } from "mongodb";
import { MongoBulkWriteError } from "mongodb";
import { type StatementError, statementErrors } from "./bulk.ts";
import { groupCommit, type Outcome } from "./group-commit.ts";
import { outcomesOf } from "./statement-outcomes.ts";

/** One guarded update: the document by `_id`, the `scimLastModified` it must still hold, the values. */
export interface GuardedUpdate {
  id: unknown;
  version: unknown;
  set: Document;
}

const filterOf = (u: GuardedUpdate): Document => ({ _id: u.id, scimLastModified: u.version });

/** A guarded update's outcome: done, or another writer got there first. */
export type GuardedOutcome = "written" | "raced";

/**
 * Creates the grouped guarded update of `coll`.
 *
 * @param coll the collection written
 * @param atomic whether the server applies each update atomically (server-kind.ts), asked
 *   once per group; false keeps one `updateOne` per update
 * @returns a function of one update that resolves `"written"` or `"raced"`, or rejects with
 *   its own statement's error (or the command's, for every update in it)
 *
 * @example
 * ```ts
 * const update = guardedUpdates(db.collection("users"), async () => true);
 * await Promise.all([
 *   update({ id: a, version: v1, set: { phone: "+62 1", updatedAt: at } }),
 *   update({ id: b, version: v2, set: { phone: "+62 2", updatedAt: at } }),
 * ]); // one update command: ["written", "written"]
 * ```
 */
export function guardedUpdates(
  coll: Collection<Document>,
  atomic: () => Promise<boolean>,
): (u: GuardedUpdate) => Promise<GuardedOutcome> {
  return groupCommit(async (updates: GuardedUpdate[]) =>
    updates.length > 1 && await atomic()
      ? await grouped(coll, updates)
      : await Promise.all(updates.map((u) => lone(coll, u)))
  );
}

async function lone(
  coll: Collection<Document>,
  u: GuardedUpdate,
): Promise<Outcome<GuardedOutcome>> {
  try {
    const r = await coll.updateOne(filterOf(u), { $set: u.set });
    return { ok: true, value: r.matchedCount === 1 ? "written" : "raced" };
  } catch (error) {
    return { ok: false, error };
  }
}

async function grouped(
  coll: Collection<Document>,
  updates: readonly GuardedUpdate[],
): Promise<Outcome<GuardedOutcome>[]> {
  const ops: AnyBulkWriteOperation<Document>[] = updates.map((u) => ({
    updateOne: { filter: filterOf(u), update: { $set: u.set } },
  }));
  let refused: StatementError[] = [];
  try {
    const r = await coll.bulkWrite(ops, { ordered: false });
    if (r.matchedCount === updates.length) {
      return updates.map(() => ({ ok: true, value: "written" }));
    }
  } catch (e) {
    // Anything but per-statement refusals fails every update of the command.
    if (!(e instanceof MongoBulkWriteError)) throw e;
    refused = statementErrors(e);
    if (refused.length === 0) throw e;
  }
  return outcomesOf(await heldValues(coll, updates), refused);
}

/** Per update, whether its document holds every value it set: written, else raced. */
async function heldValues(
  coll: Collection<Document>,
  updates: readonly GuardedUpdate[],
): Promise<GuardedOutcome[]> {
  const projection: Document = { _id: 1 };
  for (const u of updates) for (const k of Object.keys(u.set)) projection[k] = 1;
  const ids: Document = { _id: { $in: updates.map((u) => u.id) } };
  const docs = await coll.find(ids, { projection }).toArray();
  return updates.map((u) => {
    const doc = docs.find((d) => sameValue(d._id, u.id));
    return doc !== undefined && Object.entries(u.set).every(([k, v]) => sameValue(doc[k], v))
      ? "written"
      : "raced";
  });
}

/**
 * Whether a value read back from MongoDB is the value written: dates by instant, arrays and
 * documents field by field, BSON values by their own `equals`, `undefined` as the `null` the
 * driver stores for it.
 *
 * @example
 * ```ts
 * sameValue(new Date(5), new Date(5)); // true
 * sameValue({ a: [1, "x"] }, { a: [1, "x"] }); // true
 * sameValue(null, undefined); // true
 * ```
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b || (a ?? null) === (b ?? null)) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const equals = (a as { equals?: unknown }).equals;
  if (typeof equals === "function") return equals.call(a, b) === true;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length &&
    ka.every((k) => sameValue((a as Document)[k], (b as Document)[k]));
}

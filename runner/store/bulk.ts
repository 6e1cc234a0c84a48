/**
 * The two batch writes of the store and how their refusals are read: an
 * unordered `insertMany` and unordered `bulkWrite` updates in chunks. What
 * counts as written is what MongoDB acknowledged (`insertedCount`,
 * `modifiedCount` + `upsertedCount`), never what was sent; each refused
 * statement comes back with its index, code and message for the caller to
 * sort (a unique index refusal is resolved by identity/, anything else is an
 * error entry).
 *
 * @module
 */
import {
  type AnyBulkWriteOperation,
  type Collection,
  type Document,
  MongoBulkWriteError,
} from "mongodb";
import type { ResourceError } from "../../shared/ofm-documents.ts";
import { duplicateKeyOf, isFerretUniqueFailure } from "./driver-errors.ts";

/**
 * Statements the driver sends in one command on any server: it splits a batch before the
 * statement that would make it `maxWriteBatchSize` long (mongodb 7, bulk/unordered.js), and
 * servers announce 1,000 (mongo-java-server) or more (MongoDB 100,000). A chunk of 1,000 was
 * two commands in a row there, 999 then 1; the sync's chunks are this size too
 * (sync/resource-pass.ts, WRITE_CHUNK).
 */
export const ONE_COMMAND = 999;

/** One refused statement of a batch, whatever the driver's shape. */
export interface StatementError {
  index: number;
  code: number;
  errmsg?: string;
}

/** What one batch write did. */
export interface BatchResult {
  written: number;
  refused: StatementError[];
}

/**
 * Splits a list into chunks of `size`.
 *
 * @example
 * ```ts
 * chunks([1, 2, 3], 2); // [[1, 2], [3]]
 * ```
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Inserts unordered; what MongoDB acknowledged and which documents it refused.
 *
 * @throws what the driver throws for anything but per-document write errors
 * @example
 * ```ts
 * const { written, refused } = await insertBatch(users, docs);
 * ```
 */
export async function insertBatch<T extends Document>(
  col: Collection<T>,
  docs: Parameters<Collection<T>["insertMany"]>[0],
): Promise<BatchResult> {
  if (docs.length === 0) return { written: 0, refused: [] };
  try {
    return { written: (await col.insertMany(docs, { ordered: false })).insertedCount, refused: [] };
  } catch (e) {
    if (!(e instanceof MongoBulkWriteError) || statementErrors(e).length === 0) throw e;
    const refused = statementErrors(e);
    // An unordered insert writes every document it does not refuse; mongo-java-server's `n`
    // also counts refused ones, so the count is capped by what cannot have been refused.
    return { written: Math.min(e.result.insertedCount, docs.length - refused.length), refused };
  }
}

/**
 * Runs updates unordered, in chunks of `size` statements; `before(from, to)` runs before
 * each chunk and the function it returns after it, with the chunk's refused indexes.
 *
 * @throws what the driver throws for anything but per-statement write errors
 * @example
 * ```ts
 * const { written, refused } = await updateBatch(users, ops, 1000);
 * ```
 */
export async function updateBatch<T extends Document>(
  col: Collection<T>,
  ops: AnyBulkWriteOperation<T>[],
  size: number,
  before: (from: number, to: number) => Promise<(refused: ReadonlySet<number>) => Promise<void>> =
    async () => async () => {},
): Promise<BatchResult> {
  const out: BatchResult = { written: 0, refused: [] };
  for (let base = 0; base < ops.length; base += size) {
    const chunk = ops.slice(base, base + size);
    const after = await before(base, base + chunk.length);
    const refused = new Set<number>();
    try {
      const r = await col.bulkWrite(chunk, { ordered: false });
      out.written += r.modifiedCount + r.upsertedCount;
    } catch (e) {
      if (isFerretUniqueFailure(e)) {
        // FerretDB failed the whole command on one unique clash: one statement at a time.
        const one = await oneByOne(col, chunk);
        out.written += one.written;
        for (const we of one.refused) {
          refused.add(base + we.index);
          out.refused.push({ ...we, index: base + we.index });
        }
        await after(refused);
        continue;
      }
      if (!(e instanceof MongoBulkWriteError) || statementErrors(e).length === 0) throw e;
      const errors = statementErrors(e);
      // Never more than the statements not refused, whatever a server reports.
      out.written += Math.min(
        e.result.modifiedCount + e.result.upsertedCount,
        chunk.length - errors.length,
      );
      for (const we of errors) {
        refused.add(base + we.index);
        out.refused.push({ ...we, index: base + we.index });
      }
    }
    await after(refused);
  }
  return out;
}

/**
 * The statements of a failed chunk one by one (FerretDB only): a statement whose document
 * matched holds its values now, whether this call or the failed one wrote them.
 */
async function oneByOne<T extends Document>(
  col: Collection<T>,
  ops: AnyBulkWriteOperation<T>[],
): Promise<BatchResult> {
  const out: BatchResult = { written: 0, refused: [] };
  for (const [index, op] of ops.entries()) {
    if (!("updateOne" in op)) throw new TypeError("oneByOne: only updateOne statements");
    const u = op.updateOne;
    try {
      const r = await col.updateOne(u.filter, u.update as never, { upsert: u.upsert === true });
      out.written += Math.min(1, r.matchedCount + r.upsertedCount);
    } catch (e) {
      if (!isFerretUniqueFailure(e)) throw e;
      out.refused.push({ index, code: 11000, errmsg: "duplicate key (UNIQUE constraint failed)" });
    }
  }
  return out;
}

/**
 * The statements a bulk write refused, by index: the driver gives one WriteError or an array.
 *
 * @example
 * ```ts
 * try { await col.bulkWrite(ops, { ordered: false }); } catch (e) {
 *   if (e instanceof MongoBulkWriteError) statementErrors(e); // [{ index: 1, code: 11000, errmsg }]
 * }
 * ```
 */
export function statementErrors(e: MongoBulkWriteError): StatementError[] {
  const list = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  return list.filter((we) => we !== undefined).map((we) => ({
    index: we.index,
    code: we.code,
    errmsg: we.errmsg,
  }));
}

/** E11000: a unique index refused the statement. */
export const isDuplicate = (we: StatementError) => we.code === 11000;

/**
 * A refused statement as an entry of `stats.errors` (not a unique-index refusal).
 *
 * @example
 * ```ts
 * statementError("User", "u7", { index: 0, code: 121, errmsg: "Document failed validation" });
 * ```
 */
export function statementError(
  type: "User" | "Group",
  id: string,
  we: StatementError,
): ResourceError {
  const duplicate = isDuplicate(we);
  return {
    resourceType: type,
    resourceId: id,
    code: duplicate ? "DUPLICATE_KEY" : "WRITE_FAILED",
    message: duplicate
      ? `duplicate key: ${
        duplicateKeyOf({ errmsg: we.errmsg }) ?? "another document has the same value"
      }`
      : (we.errmsg ?? `write failed with code ${we.code}`),
  };
}

/**
 * Taking something once among several callers by inserting under a unique key: the one
 * compare-and-swap every MongoDB-wire server applies atomically (FerretDB applies no
 * conditional update atomically), so the gate, notification attempts and webhook event
 * takeovers all claim this way.
 *
 * @module
 */
import type { Collection, Document, OptionalUnlessRequiredId } from "mongodb";
import { isDuplicateKey } from "./driver-errors.ts";

/**
 * Inserts `doc`; false when a document with the same unique key is there already (another
 * caller claimed it first). Any other failure is thrown.
 *
 * @example
 * ```ts
 * if (await insertClaim(claims, { _id: `held:${id}`, at: new Date() })) apply();
 * ```
 */
export async function insertClaim<T extends Document>(
  col: Collection<T>,
  doc: OptionalUnlessRequiredId<T>,
): Promise<boolean> {
  try {
    await col.insertOne(doc);
    return true;
  } catch (e) {
    if (isDuplicateKey(e)) return false;
    throw e;
  }
}

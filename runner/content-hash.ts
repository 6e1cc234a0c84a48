/**
 * Content hash of a mapped document, so a sync writes only what changed.
 * The sync engine and the ingestion API both call it: a document written by a
 * webhook must not be rewritten by the next full sync.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * SHA-1 (not for security: a change detector) of the listed fields in the
 * given order. Fields missing on `doc` hash as null.
 *
 * @example
 * ```ts
 * contentHash({ email: "a@x", phone: null }, ["email", "phone"]); // "3f…"
 * ```
 */
export function contentHash(doc: Readonly<Record<string, unknown>>, fields: readonly string[]): string {
  const values = fields.map((f) => doc[f] ?? null);
  return createHash("sha1").update(JSON.stringify(values)).digest("base64url");
}

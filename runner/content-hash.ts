/**
 * Content hash of a mapped document, so a sync writes only what changed.
 * The sync engine and the ingestion API both call it: a document written by a
 * webhook must not be rewritten by the next full sync.
 *
 * @module
 */
import { ORG_UNIT_SYNC_FIELDS, USER_SYNC_FIELDS } from "../shared/ofm-documents.ts";

/**
 * SHA-1 (not for security: a change detector) of the listed fields in the
 * given order. Fields missing on `doc` hash as null.
 *
 * @example
 * ```ts
 * contentHash({ email: "a@x", phone: null }, ["email", "phone"]); // "3f…"
 * ```
 */
export function contentHash(
  doc: Readonly<Record<string, unknown>>,
  fields: readonly string[],
): string {
  const values = fields.map((f) => doc[f] ?? null);
  // Bun's one-shot SHA-1: the same digest as node:crypto's createHash, in ~40% of the time.
  return Bun.SHA1.hash(JSON.stringify(values), "base64url") as string;
}

/**
 * The user fields a sync writes on update, in hashing order: the guide's
 * fields minus `SYNC_EXCLUDE_FIELDS`. The ingestion API uses the same list.
 *
 * @example
 * ```ts
 * userHashFields(["phone"]); // ["email", "firstName", …] without "phone"
 * ```
 */
export function userHashFields(excludeFields: readonly string[]): string[] {
  return USER_SYNC_FIELDS.filter((f) => !excludeFields.includes(f));
}

/** The org unit fields a sync writes, in hashing order. */
export const orgUnitHashFields: readonly string[] = ORG_UNIT_SYNC_FIELDS;

/**
 * The store's side of {@linkcode DocId}: a stored `_id` encoded as a short
 * string (an ObjectId as `o:` + its 24 hex digits, a string as `s:` + itself,
 * anything else as `j:` + its canonical Extended JSON) and decoded back to the
 * very value MongoDB holds.
 *
 * @module
 */
import { BSON, ObjectId } from "mongodb";
import type { DocId } from "../documents/doc-id.ts";

/**
 * Encodes a stored `_id`.
 *
 * @example
 * ```ts
 * encodeDocId(new ObjectId("65f0c0ffee0000000000abcd")); // "o:65f0c0ffee0000000000abcd"
 * encodeDocId("ofm-admin"); // "s:ofm-admin"
 * ```
 */
export function encodeDocId(id: unknown): DocId {
  if (id instanceof ObjectId) return `o:${id.toHexString()}` as DocId;
  if (typeof id === "string") return `s:${id}` as DocId;
  return `j:${BSON.EJSON.stringify(id, { relaxed: false })}` as DocId;
}

/**
 * The stored `_id` a {@linkcode DocId} stands for.
 *
 * @throws {TypeError} for a string the store did not make
 * @example
 * ```ts
 * decodeDocId(encodeDocId("ofm-admin")); // "ofm-admin"
 * ```
 */
export function decodeDocId(id: DocId): unknown {
  const tag = id.slice(0, 2);
  const body = id.slice(2);
  if (tag === "o:") return ObjectId.createFromHexString(body);
  if (tag === "s:") return body;
  if (tag === "j:") return BSON.EJSON.parse(body, { relaxed: true });
  throw new TypeError(`not a stored id: ${id.slice(0, 40)}`);
}

/**
 * The hex form of an ObjectId `_id` for people to read (the page, errors), else the id as text.
 *
 * @example
 * ```ts
 * shownDocId("o:65f0c0ffee0000000000abcd" as DocId); // "65f0c0ffee0000000000abcd"
 * ```
 */
export function shownDocId(id: DocId): string {
  return id.slice(2);
}

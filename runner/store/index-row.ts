/**
 * A stored user as the sync's index needs it, read from the raw BSON the
 * driver hands over with `raw: true`. The driver's own decoding builds an
 * object per document (and an ObjectId per `_id`): at 100,000 users that was
 * ~60% of the index read's CPU. The documents are ones the store wrote, a
 * few fields of known types, so they are walked in place; any other shape
 * (another type, a replacement character in a string, a truncated document)
 * goes to the bson library whole and is read exactly as the driver would.
 *
 * @module
 */
import { BSON, type Document } from "mongodb";
import type { DocId } from "../documents/doc-id.ts";
import { encodeDocId } from "./doc-id-codec.ts";

/** One user of the index: its key, stored hash, active flag and encoded `_id`. */
export interface IndexRow {
  key: string;
  hash: string;
  active: boolean;
  /** Absent when the projection left `_id` out. */
  id?: DocId;
}

const STRING = 0x02;
const OBJECT_ID = 0x07;
const BOOLEAN = 0x08;

const codes = (name: string) => Array.from(name, (c) => c.charCodeAt(0));
/** The projected fields, as bytes, and the BSON type the store writes each with. */
const FIELDS = [codes("ssoUserId"), codes("syncHash"), codes("isActive"), codes("_id")];
const TYPES = [STRING, STRING, BOOLEAN, OBJECT_ID];

/**
 * Reads one raw user document; `null` for a document without a string `ssoUserId`
 * (OFM's own accounts), which the index leaves out.
 *
 * @example
 * ```ts
 * const raw = BSON.serialize({ ssoUserId: "u1", syncHash: "h1", isActive: true });
 * indexRow(Buffer.from(raw)); // { key: "u1", hash: "h1", active: true }
 * ```
 */
export function indexRow(doc: Buffer): IndexRow | null {
  return walk(doc) ?? rowOf(BSON.deserialize(doc));
}

/**
 * The same row from a decoded document: the definition the walk must agree with.
 *
 * @example
 * ```ts
 * rowOf({ ssoUserId: "u1", syncHash: 7, isActive: "yes" }); // { key: "u1", hash: "7", active: false }
 * ```
 */
export function rowOf(d: Document): IndexRow | null {
  if (typeof d.ssoUserId !== "string") return null;
  const row: IndexRow = {
    key: d.ssoUserId,
    hash: String(d.syncHash ?? ""),
    active: d.isActive === true,
  };
  // A hex string holds a 100,000-user index in far less memory than ObjectId objects.
  if ("_id" in d) row.id = encodeDocId(d._id);
  return row;
}

/** The row of a document of the expected shape, or `undefined` to decode it the slow way. */
function walk(b: Buffer): IndexRow | null | undefined {
  const size = int32(b, 0);
  if (size !== b.length || size < 5 || b[size - 1] !== 0) return undefined;
  let key: string | undefined;
  let hash = "";
  let active = false;
  let id: string | undefined;
  let p = 4;
  while (p < size - 1) {
    const type = b[p++];
    const name = p;
    while (p < size && b[p] !== 0) p++;
    if (p >= size - 1) return undefined;
    const field = FIELDS.findIndex((f) => is(b, name, p - name, f));
    p++;
    // Only the projected fields, each of the type the store writes: anything else is not ours.
    if (field < 0 || type !== TYPES[field]) return undefined;
    if (type === BOOLEAN) {
      const v = b[p++];
      if (v !== 0 && v !== 1) return undefined;
      active = v === 1;
    } else if (type === OBJECT_ID) {
      if (p + 12 > size - 1) return undefined;
      // encodeDocId's form of an ObjectId, without building one.
      id = `o:${b.toString("hex", p, p + 12)}`;
      p += 12;
    } else {
      const len = int32(b, p);
      const start = p + 4;
      p = start + len;
      if (len < 1 || p > size - 1 || b[p - 1] !== 0) return undefined;
      const text = b.toString("utf8", start, p - 1);
      // Invalid UTF-8 decodes to U+FFFD here but throws in the driver: let the library decide.
      if (text.includes("\uFFFD")) return undefined;
      if (field === 0) key = text;
      else hash = text;
    }
  }
  if (p !== size - 1) return undefined;
  if (key === undefined) return null;
  const row: IndexRow = { key, hash, active };
  if (id !== undefined) row.id = id as DocId;
  return row;
}

function int32(b: Buffer, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

function is(b: Buffer, at: number, len: number, name: readonly number[]): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if (b[at + i] !== name[i]) return false;
  return true;
}

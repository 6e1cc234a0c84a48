/**
 * The index of existing documents a full sync diffs against, packed: one
 * string per document instead of an object and its three strings. At
 * 100,000 users the object form held ~500 bytes a user on the heap; the
 * collector then lets the heap grow to twice what is live while a fast
 * listing allocates pages, so every byte here counts twice in peak memory.
 *
 * @module
 */
import type { ExistingEntry, ExistingIndex } from "../documents/changes.ts";

const SEP = "\u0000";

/**
 * An {@linkcode ExistingIndex} from key to {@linkcode ExistingEntry}, entries built on
 * demand from packed strings. `_id`s that are strings (ObjectIds come as
 * `oid:<hex>`, see sync-store.ts) are packed; any other kind is kept aside.
 *
 * @example
 * ```ts
 * const index = new PackedIndex();
 * index.add("u1", "hash1", true, "oid:65f0c0ffee0000000000abcd");
 * index.get("u1"); // { key: "u1", syncHash: "hash1", isActive: true, id: "oid:65f0…" }
 * ```
 */
export class PackedIndex implements ExistingIndex {
  #packed = new Map<string, string>();
  /** `_id`s that are neither absent nor strings, by key. */
  #otherIds = new Map<string, unknown>();

  /**
   * Adds (or replaces) the entry of `key`. Our hashes are base64url; a stored value with a
   * NUL in it is not one of ours, and is kept as "no hash", so the next sync rewrites it.
   */
  add(key: string, syncHash: string, isActive: boolean, id?: unknown): void {
    const hash = syncHash.includes(SEP) ? "" : syncHash;
    const idPart = typeof id === "string" ? `s${id}` : id === undefined ? "u" : "x";
    if (idPart === "x") this.#otherIds.set(key, id);
    else this.#otherIds.delete(key);
    this.#packed.set(key, `${isActive ? "1" : "0"}${hash}${SEP}${idPart}`);
  }

  get(key: string): ExistingEntry | undefined {
    const v = this.#packed.get(key);
    return v === undefined ? undefined : this.#unpack(key, v);
  }

  get size(): number {
    return this.#packed.size;
  }

  /** Whether `key` is stored with `syncHash`; no entry built (a no-op sync asks it of everyone). */
  hasHash(key: string, syncHash: string): boolean {
    const v = this.#packed.get(key);
    return v !== undefined && v.charCodeAt(1 + syncHash.length) === 0 &&
      v.startsWith(syncHash, 1);
  }

  /** Keys of the active entries, no entry built. */
  *activeKeys(): Generator<string> {
    for (const [k, v] of this.#packed) if (v.charCodeAt(0) === 49) yield k;
  }

  /** Counts entries without building them. */
  countActive(): number {
    let n = 0;
    for (const v of this.#packed.values()) if (v.charCodeAt(0) === 49) n++;
    return n;
  }

  /** Every entry, built as it is reached. */
  *entries(): Generator<[string, ExistingEntry]> {
    for (const [k, v] of this.#packed) yield [k, this.#unpack(k, v)];
  }

  #unpack(key: string, v: string): ExistingEntry {
    const sep = v.indexOf(SEP);
    const kind = v.charAt(sep + 1);
    const id = kind === "s" ? v.slice(sep + 2) : kind === "x" ? this.#otherIds.get(key) : undefined;
    const entry: ExistingEntry = {
      key,
      syncHash: v.slice(1, sep),
      isActive: v.charCodeAt(0) === 49,
    };
    if (id !== undefined) entry.id = id;
    return entry;
  }
}

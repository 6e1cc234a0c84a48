/**
 * The index of existing documents a full sync diffs against, packed: no
 * object per document, only its hash string (as read, never concatenated:
 * JavaScriptCore keeps a built string as a rope of its parts until it is
 * read), the few inactive keys and, on FerretDB, the `_id`s. At 100,000
 * users the object form held ~500 bytes a user on the heap; the collector
 * then lets the heap grow to twice what is live while a fast listing
 * allocates pages, so every byte here counts twice in peak memory.
 *
 * @module
 */
import type { ExistingEntry, ExistingIndex } from "../documents/changes.ts";
import type { DocId } from "../documents/doc-id.ts";

/**
 * An {@linkcode ExistingIndex} from key to {@linkcode ExistingEntry}, entries built on
 * demand, for users and org units alike. `_id`s are kept only when given.
 *
 * @example
 * ```ts
 * const index = new PackedIndex();
 * index.add("u1", "hash1", true, encodeDocId(objectId));
 * index.get("u1"); // { key: "u1", syncHash: "hash1", isActive: true, id: "o:65f0…" }
 * ```
 */
export class PackedIndex implements ExistingIndex {
  #hashes = new Map<string, string>();
  #inactive = new Set<string>();
  #ids = new Map<string, DocId>();
  #read = 0;

  /** Adds (or replaces) the entry of `key`. */
  add(key: string, syncHash: string, isActive: boolean, id?: DocId): void {
    if (!this.#hashes.has(key)) this.#read++;
    this.#hashes.set(key, syncHash);
    if (isActive) this.#inactive.delete(key);
    else this.#inactive.add(key);
    if (id === undefined) this.#ids.delete(key);
    else this.#ids.set(key, id);
  }

  get(key: string): ExistingEntry | undefined {
    const hash = this.#hashes.get(key);
    return hash === undefined ? undefined : this.#entry(key, hash);
  }

  /** Entries added, forgotten ones included. */
  get size(): number {
    return this.#read;
  }

  /** Drops the entry of `key` (diffed already: see {@linkcode ExistingIndex.forget}). */
  forget(key: string): void {
    if (!this.#hashes.delete(key)) return;
    this.#inactive.delete(key);
    this.#ids.delete(key);
  }

  /** Whether `key` is stored with `syncHash`; no entry built (a no-op sync asks it of everyone). */
  hasHash(key: string, syncHash: string): boolean {
    return this.#hashes.get(key) === syncHash;
  }

  /** Keys of the active entries, no entry built. */
  *activeKeys(): Generator<string> {
    for (const k of this.#hashes.keys()) if (!this.#inactive.has(k)) yield k;
  }

  /** Counts entries without building them. */
  countActive(): number {
    return this.#hashes.size - this.#inactive.size;
  }

  /** Read whole already: nothing to load. */
  load(_keys: readonly string[], _announced: number): Promise<void> {
    return Promise.resolve();
  }

  #entry(key: string, syncHash: string): ExistingEntry {
    const entry: ExistingEntry = { key, syncHash, isActive: !this.#inactive.has(key) };
    const id = this.#ids.get(key);
    if (id !== undefined) entry.id = id;
    return entry;
  }
}

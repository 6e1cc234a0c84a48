/**
 * The index a delta sync diffs against: only the people (or units) it was
 * sent, read by key a page at a time, so a delta that brings ten changes at
 * a million stored people reads ten documents, not a million. A delta whose
 * listing announces a large share of what is stored reads the index whole,
 * once, instead: past that share one read of everything costs less than
 * lookups by key (a delta after an outage, or a bulk change in the directory).
 *
 * @module
 */
import type { ExistingEntry, ExistingIndex } from "../documents/changes.ts";
import { PackedIndex } from "./packed-index.ts";

/** How the keyed index reads. */
export interface KeyedSource {
  /** Entries of these keys (absent keys are simply not returned). */
  byKeys(
    keys: readonly string[],
  ): Promise<{ key: string; hash: string; active: boolean; id?: ExistingEntry["id"] }[]>;
  /** The whole index, as a full sync reads it. */
  whole(): Promise<PackedIndex>;
  /** Documents stored, roughly (the collection's metadata). */
  estimate(): Promise<number>;
}

/** Past this share of what is stored, a delta reads the index whole. */
export const WHOLE_SHARE = 0.05;

/**
 * An index loaded by key on demand.
 *
 * @example
 * ```ts
 * const index = new KeyedIndex(source);
 * await index.load(["u1", "u2"], 2);
 * index.hasHash("u1", hash);
 * ```
 */
export class KeyedIndex implements ExistingIndex {
  #loaded = new PackedIndex();
  #asked = new Set<string>();
  #whole = false;
  #source: KeyedSource;
  /** Keys read by key so far, and whether the whole index was read (for tests and the bench). */
  readonly reads = { byKey: 0, whole: 0 };

  constructor(source: KeyedSource) {
    this.#source = source;
  }

  async load(keys: readonly string[], announced: number): Promise<void> {
    if (this.#whole) return;
    if (
      this.#asked.size === 0 && announced > WHOLE_SHARE * (await this.#source.estimate()) &&
      announced > 1000
    ) {
      this.#loaded = await this.#source.whole();
      this.#whole = true;
      this.reads.whole = this.#loaded.size;
      return;
    }
    const wanted = keys.filter((k) => !this.#asked.has(k));
    if (wanted.length === 0) return;
    for (const k of wanted) this.#asked.add(k);
    const rows = await this.#source.byKeys(wanted);
    this.reads.byKey += rows.length;
    for (const r of rows) this.#loaded.add(r.key, r.hash, r.active, r.id);
  }

  get(key: string): ExistingEntry | undefined {
    return this.#loaded.get(key);
  }

  /** What is loaded; a delta knows nothing of the rest. */
  get size(): number {
    return this.#loaded.size;
  }

  hasHash(key: string, syncHash: string): boolean {
    return this.#loaded.hasHash(key, syncHash);
  }

  activeKeys(): Iterable<string> {
    return this.#loaded.activeKeys();
  }

  countActive(): number {
    return this.#loaded.countActive();
  }

  forget(key: string): void {
    this.#loaded.forget(key);
  }
}

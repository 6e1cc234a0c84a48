/**
 * The planned writes of a sync and what the store holds to plan them: the
 * vocabulary shared by the sync engine (which diffs) and the store (which
 * writes), kept here so that neither imports the other.
 *
 * @module
 */
import type { ResourceError } from "../../shared/ofm-documents.ts";
import type { DocId } from "./doc-id.ts";

/**
 * What the store holds of a document, enough to diff.
 *
 * @example
 * ```ts
 * const entry: ExistingEntry = { key: "u1", syncHash: "h1", isActive: true };
 * ```
 */
export interface ExistingEntry {
  key: string;
  syncHash: string;
  isActive: boolean;
  /** The stored `_id`, where updates filter on it (FerretDB pushes only `_id` down). */
  id?: DocId;
}

/**
 * What diffing reads of the existing documents (store/packed-index.ts is the one
 * implementation, for users and org units alike).
 *
 * @example
 * ```ts
 * if (!index.hasHash("u1", hash)) console.log(index.get("u1")?.syncHash);
 * ```
 */
export interface ExistingIndex {
  get(key: string): ExistingEntry | undefined;
  /** Entries read from the store, forgotten ones included. */
  readonly size: number;
  /** Whether `key` is stored with exactly `syncHash`, without building its entry. */
  hasHash(key: string, syncHash: string): boolean;
  /** Keys of the active entries, without building them. */
  activeKeys(): Iterable<string>;
  /** Active entries not forgotten, counted without building them. */
  countActive(): number;
  /**
   * Makes sure the entries of `keys` are there before they are diffed: a no-op for an index
   * read whole (a full sync); a delta's index reads only the people it was sent, by key.
   * `announced`: the listing's totalResults, so a delta that brings most of the directory
   * reads the index whole instead, once.
   */
  load(keys: readonly string[], announced: number): Promise<void>;
  /**
   * Drops the entry of a key already diffed. A full sync's index then holds only what the
   * listing has not brought yet, which is all that absence is judged on: at a million people
   * it shrinks as the listing goes instead of sitting beside the listing's own keys.
   */
  forget(key: string): void;
}

/**
 * One planned write. `deactivates`: an active document becomes inactive.
 *
 * @example
 * ```ts
 * const change: Change<OfmUser> = { kind: "update", doc, hash: "h2", deactivates: false };
 * ```
 */
export type Change<T> =
  | { kind: "create"; doc: T; hash: string }
  | { kind: "update"; doc: T; hash: string; deactivates: boolean; id?: DocId };

/**
 * A write a unique index refused: kept so that the run can find who holds the
 * value and resolve it (identity/), never counted as written.
 *
 * @example
 * ```ts
 * const r: RefusedWrite<OfmUser> = { change, message: "E11000 duplicate key … email" };
 * ```
 */
export interface RefusedWrite<T> {
  change: Change<T>;
  message: string;
}

/**
 * What one batch write did: the documents MongoDB acknowledged as written
 * (inserted, or matched and modified), the writes a unique index refused, and
 * any other refusal as an error entry the run records.
 *
 * @example
 * ```ts
 * const outcome: WriteOutcome<OfmUser> = { written: 49, refused: [], errors: [] };
 * ```
 */
export interface WriteOutcome<T = unknown> {
  written: number;
  refused: RefusedWrite<T>[];
  errors: ResourceError[];
}

/**
 * An empty outcome.
 *
 * @example
 * ```ts
 * const out = noWrites<OfmUser>(); out.written += 3;
 * ```
 */
export function noWrites<T = unknown>(): WriteOutcome<T> {
  return { written: 0, refused: [], errors: [] };
}

/**
 * A small {@linkcode ExistingIndex} over a few entries (one person's on-demand sync, tests).
 *
 * @example
 * ```ts
 * indexOfEntries([{ key: "u1", syncHash: "h1", isActive: true }]).hasHash("u1", "h1"); // true
 * ```
 */
export function indexOfEntries(entries: readonly ExistingEntry[]): ExistingIndex {
  const map = new Map(entries.map((e) => [e.key, e]));
  const size = map.size;
  return {
    get: (key) => map.get(key),
    size,
    hasHash: (key, hash) => map.get(key)?.syncHash === hash,
    *activeKeys() {
      for (const [k, e] of map) if (e.isActive) yield k;
    },
    countActive: () => [...map.values()].filter((e) => e.isActive).length,
    load: () => Promise.resolve(),
    forget: (key) => void map.delete(key),
  };
}

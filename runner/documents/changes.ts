/**
 * The planned writes of a sync and what the store holds to plan them: the
 * vocabulary shared by the sync engine (which diffs) and the store (which
 * writes), kept here so that neither imports the other.
 *
 * @module
 */
import type { ResourceError } from "../../shared/ofm-documents.ts";

/**
 * What the store holds of a document, enough to diff.
 *
 * @example
 * ```ts
 * const entry: ExistingEntry = { key: "u1", syncHash: "h1", isActive: true, id: "oid:65f0c0ffee0000000000abcd" };
 * ```
 */
export interface ExistingEntry {
  key: string;
  syncHash: string;
  isActive: boolean;
  /** The stored `_id`: updates filter on it, which every MongoDB-wire server indexes. */
  id?: unknown;
}

/**
 * What diffing reads of the existing documents; a `Map` is one.
 *
 * @example
 * ```ts
 * const index: ExistingIndex = new Map([["u1", { key: "u1", syncHash: "h1", isActive: true }]]);
 * ```
 */
export interface ExistingIndex {
  get(key: string): ExistingEntry | undefined;
  readonly size: number;
  entries(): Iterable<[string, ExistingEntry]>;
  /** Active entries, counted without building them (the packed index has it; a `Map` does not). */
  countActive?(): number;
  /**
   * Whether `key` is stored with exactly `syncHash`, without building its entry: a no-op
   * sync asks this of every person (the packed index has it; a `Map` does not).
   */
  hasHash?(key: string, syncHash: string): boolean;
  /** Keys of the active entries, without building them (the packed index has it). */
  activeKeys?(): Iterable<string>;
}

/**
 * One planned write. `deactivates`: an active document becomes inactive.
 *
 * @example
 * ```ts
 * const change: Change<OfmUser> = { kind: "update", doc, hash: "h2", deactivates: false, id: "oid:65f0c0ffee0000000000abcd" };
 * ```
 */
export type Change<T> =
  | { kind: "create"; doc: T; hash: string }
  | { kind: "update"; doc: T; hash: string; deactivates: boolean; id?: unknown };

/**
 * What one batch write of a sync did: documents written, and the resources
 * the server refused (a duplicate email, say), which the run records and
 * goes on.
 *
 * @example
 * ```ts
 * const outcome: WriteOutcome = { written: 49, errors: [{ resourceType: "User", resourceId: "u7", code: "DUPLICATE_KEY", message: "…" }] };
 * ```
 */
export interface WriteOutcome {
  written: number;
  errors: ResourceError[];
}

/**
 * Pure diffing of one sync: what to create, update, leave alone and
 * deactivate, from the mapped SCIM resources and what the store holds.
 *
 * @module
 */
import type { Change, ExistingEntry, ExistingIndex } from "../documents/changes.ts";

// Declared beside the document builder, so that store/ needs nothing from sync/.
export type { Change, ExistingEntry, ExistingIndex };

/** The diff of a batch of incoming documents. */
export interface BatchPlan<T> {
  creates: Change<T>[];
  updates: Change<T>[];
  /** Updates that deactivate: held back until the guard has seen the whole run. */
  deactivatingUpdates: Change<T>[];
  unchanged: number;
}

/** A mapped document with what the diff needs of it. */
export interface Incoming<T> {
  key: string;
  hash: string;
  isActive: boolean;
  doc: T;
}

/**
 * Diffs a batch of incoming documents against the existing index.
 *
 * @param incoming mapped documents with their key, hash and active flag
 * @param existing the store's index by key
 *
 * @example
 * ```ts
 * const plan = diffBatch([{ key: "u1", hash: "h2", isActive: true, doc }], new Map([["u1", { key: "u1", syncHash: "h1", isActive: true }]]));
 * plan.updates.length; // 1
 * ```
 */
export function diffBatch<T>(
  incoming: readonly Incoming<T>[],
  existing: ExistingIndex,
): BatchPlan<T> {
  const plan: BatchPlan<T> = { creates: [], updates: [], deactivatingUpdates: [], unchanged: 0 };
  for (const item of incoming) {
    if (existing.hasHash(item.key, item.hash)) {
      plan.unchanged++;
      continue;
    }
    const old = existing.get(item.key);
    if (!old) {
      plan.creates.push({ kind: "create", doc: item.doc, hash: item.hash });
    } else if (old.syncHash === item.hash) {
      plan.unchanged++;
    } else if (old.isActive && !item.isActive) {
      plan.deactivatingUpdates.push({
        kind: "update",
        doc: item.doc,
        hash: item.hash,
        deactivates: true,
        id: old.id,
      });
    } else {
      plan.updates.push({
        kind: "update",
        doc: item.doc,
        hash: item.hash,
        deactivates: false,
        id: old.id,
      });
    }
  }
  return plan;
}

/**
 * Keys of active documents that a complete listing did not contain.
 *
 * @example
 * ```ts
 * absentActive(new Map([["u1", { key: "u1", syncHash: "h", isActive: true }]]), new Set()); // [{ key: "u1", … }]
 * ```
 */
export function absentActive(existing: ExistingIndex, seen: ReadonlySet<string>): ExistingEntry[] {
  const out: ExistingEntry[] = [];
  for (const key of existing.activeKeys()) {
    const entry = seen.has(key) ? undefined : existing.get(key);
    if (entry) out.push(entry);
  }
  return out;
}

/**
 * The change log's record of creates written in bulk: one `syncChanges`
 * document per write chunk of a sync (up to 1,000 people), naming who was
 * created, by which run and when, without the field values. The values
 * written by a create are the document as created; every later write keeps
 * its own record with old → new (change-record.ts).
 *
 * Why not one record per create with its values: on a server with MongoDB's
 * cost shape a record per create doubled the documents an initial import
 * inserts, and the values are what cost (100,000 creates: ~2.3 s of records
 * against ~0.25 s for id-only chunks, measured with the driver on
 * mongo-java-server). Webhook and purge writes, a few at a time, keep a
 * record each.
 *
 * @module
 */
import type { ChangeOrigin, ChangeRecord } from "./change-record.ts";

/**
 * A chunk of creates as stored; `resourceIds[i]` was created with
 * `subjects[i]` (email or unit name).
 *
 * @example
 * ```ts
 * const b: CreatedBatch = { resourceType: "User", action: "created", resourceIds: ["u1"],
 *   subjects: ["jane@ias.co.id"], source: { kind: "sync", historyId: "h1" }, at: new Date() };
 * ```
 */
export interface CreatedBatch {
  resourceType: "User" | "Group";
  action: "created";
  resourceIds: string[];
  subjects: (string | null)[];
  source: ChangeOrigin;
  at: Date;
}

/**
 * Builds the record of one chunk of creates (pure); null when the chunk
 * created nobody.
 *
 * @example
 * ```ts
 * createdBatch({ resourceType: "User", created: [{ id: "u1", subject: "jane@ias.co.id" }],
 *   source: { kind: "sync", historyId: "h1" }, at: new Date() });
 * // { action: "created", resourceIds: ["u1"], subjects: ["jane@ias.co.id"], … }
 * ```
 */
export function createdBatch(i: {
  resourceType: "User" | "Group";
  created: readonly { id: string; subject: string | null }[];
  source: ChangeOrigin;
  at: Date;
}): CreatedBatch | null {
  if (i.created.length === 0) return null;
  return {
    resourceType: i.resourceType,
    action: "created",
    resourceIds: i.created.map((c) => c.id),
    subjects: i.created.map((c) => c.subject),
    source: i.source,
    at: i.at,
  };
}

/**
 * One person's (or unit's) part of a chunk, in the shape of every other
 * change record (pure): a create with no field values. Null when the chunk
 * does not name `resourceId`.
 *
 * @example
 * ```ts
 * createdRecordOf(batch, "u1"); // { resourceId: "u1", action: "created", fields: [], values: {}, … }
 * ```
 */
export function createdRecordOf(batch: CreatedBatch, resourceId: string): ChangeRecord | null {
  const i = batch.resourceIds.indexOf(resourceId);
  if (i < 0) return null;
  return {
    resourceType: batch.resourceType,
    resourceId,
    subject: batch.subjects[i] ?? null,
    action: "created",
    fields: [],
    values: {},
    source: batch.source,
    at: batch.at,
  };
}

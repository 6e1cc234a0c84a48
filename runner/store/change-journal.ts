/**
 * The change records of one sync write, kept beside the write itself: the
 * sync store reads the old mapped fields of a chunk it is about to update
 * (one `find` by `_id` per chunk, and only while a change log is wired and
 * the chunk has changes: a no-op run reads nothing), writes the chunk, then
 * inserts the chunk's records in one insertMany. A chunk of inserts is
 * recorded as one document naming who was created (created-batch.ts) and
 * needs no read.
 *
 * @module
 */
import type { Collection, Document } from "mongodb";
import {
  type ChangeOrigin,
  type ChangeRecord,
  changeRecord,
  RECORDED_FIELDS,
} from "../documents/change-record.ts";
import { type CreatedBatch, createdBatch } from "../documents/created-batch.ts";

/**
 * Where change records go (the change log store is one).
 *
 * @example
 * ```ts
 * const log: ChangeLogWriter = {
 *   record: async (records) => void records,
 *   recordCreated: async (batch) => void batch,
 * };
 * ```
 */
export interface ChangeLogWriter {
  record(records: readonly ChangeRecord[]): Promise<void>;
  /** One chunk of creates, one document. */
  recordCreated(batch: CreatedBatch): Promise<void>;
}

/** One planned update: the stored `_id` when known, the key, who, and the `$set`. */
export interface JournalItem {
  id: unknown;
  key: string;
  subject: string | null;
  set: Readonly<Record<string, unknown>>;
}

/** Called before a chunk `[from, to)` is written; what it returns records the chunk after. */
export type ChunkJournal = (
  from: number,
  to: number,
) => Promise<(refused: ReadonlySet<number>) => Promise<void>>;

/**
 * Records the writes of one call of the sync store.
 *
 * @example
 * ```ts
 * await journal.created(docs, failedWriteErrors);
 * const chunk = journal.updated(items, fields); const finish = await chunk(0, 50); await finish(new Set());
 * ```
 */
export interface Journal {
  created(docs: readonly Document[], failed: readonly { index: number }[]): Promise<void>;
  updated(items: readonly JournalItem[], fields: readonly string[]): ChunkJournal;
}

const done = async () => {};

/** The journal that records nothing (no change log wired, or no origin). */
export const NO_JOURNAL: Journal = {
  created: async () => {},
  updated: () => async () => done,
};

/**
 * A journal over one collection (`users`: key `ssoUserId`, subject `email`;
 * `orgUnits`: key `_id`, subject `unitName`).
 *
 * @example
 * ```ts
 * const journal = journalFor(users, { type: "User", log, origin: { kind: "sync", historyId }, at });
 * ```
 */
export function journalFor<T extends Document>(
  col: Collection<T>,
  o: { type: "User" | "Group"; log: ChangeLogWriter; origin: ChangeOrigin; at: Date },
): Journal {
  const keyField = o.type === "User" ? "ssoUserId" : "_id";
  const subjectField = o.type === "User" ? "email" : "unitName";
  const coll = col as unknown as Collection<Document>;
  const fields = RECORDED_FIELDS[o.type];
  const record = (
    key: string,
    subject: string | null,
    before: Document | null,
    after: Document,
    written: readonly string[],
  ) =>
    changeRecord({
      resourceType: o.type,
      resourceId: key,
      subject,
      before,
      after,
      fields: written,
      source: o.origin,
      at: o.at,
    });
  return {
    async created(docs, failed) {
      const refused = new Set(failed.map((f) => f.index));
      const created = docs.flatMap((d, i) =>
        refused.has(i) ? [] : [{ id: String(d[keyField]), subject: d[subjectField] ?? null }]
      );
      const batch = createdBatch({ resourceType: o.type, created, source: o.origin, at: o.at });
      if (batch) await o.log.recordCreated(batch);
    },
    updated(items, written) {
      return async (from, to) => {
        const slice = items.slice(from, to);
        if (slice.length === 0) return done;
        const old = await readOld(coll, slice, keyField, [subjectField, ...fields]);
        return async (refused) => {
          const out: ChangeRecord[] = [];
          slice.forEach((item, i) => {
            const before = old.get(item.key);
            if (!before || refused.has(from + i)) return;
            const subject = item.subject ?? (before[subjectField] as string | undefined) ?? null;
            const r = record(item.key, subject, before, item.set, written);
            if (r) out.push(r);
          });
          await o.log.record(out);
        };
      };
    },
  };
}

/** The stored mapped fields of a chunk, by key: by `_id` where known (indexed everywhere). */
async function readOld(
  coll: Collection<Document>,
  items: readonly JournalItem[],
  keyField: string,
  projected: readonly string[],
): Promise<Map<string, Document>> {
  const projection: Document = { [keyField]: 1 };
  for (const f of projected) projection[f] = 1;
  const ids = items.filter((i) => i.id !== undefined).map((i) => i.id);
  const keys = items.filter((i) => i.id === undefined).map((i) => i.key);
  const found: Document[] = [];
  if (ids.length > 0) {
    found.push(...await coll.find({ _id: { $in: ids } } as Document, { projection }).toArray());
  }
  if (keys.length > 0) {
    found.push(...await coll.find({ [keyField]: { $in: keys } }, { projection }).toArray());
  }
  return new Map(found.map((d) => [String(d[keyField]), d]));
}

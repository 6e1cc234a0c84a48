/**
 * What operators tell the schedule, shared by every replica: the instant of
 * the last "Retry now" out of quarantine (scheduler/quarantine.ts forgives
 * failures before it). One document in `syncSchedule`.
 *
 * @module
 */
import type { Db } from "mongodb";
import { translateDriverErrors } from "./driver-errors.ts";

/** The collection of the schedule's notes. */
export const SYNC_SCHEDULE = "syncSchedule";

interface QuarantineNote {
  _id: "quarantine";
  retryRequestedAt: Date;
}

/** What {@linkcode createScheduleNotesStore} returns. */
export interface ScheduleNotesStore {
  /** When an operator last asked to retry out of quarantine; null when never. */
  quarantineRetryAt(): Promise<Date | null>;
  /** Records a "Retry now" at `at`. */
  requestQuarantineRetry(at: Date): Promise<void>;
}

/**
 * Creates the store over `db.syncSchedule`.
 *
 * @example
 * ```ts
 * const notes = createScheduleNotesStore(db);
 * await notes.requestQuarantineRetry(new Date());
 * ```
 */
export function createScheduleNotesStore(db: Db): ScheduleNotesStore {
  const col = db.collection<QuarantineNote>(SYNC_SCHEDULE);
  return translateDriverErrors({
    async quarantineRetryAt() {
      return (await col.findOne({ _id: "quarantine" }))?.retryRequestedAt ?? null;
    },
    async requestQuarantineRetry(at: Date) {
      await col.updateOne({ _id: "quarantine" }, { $set: { retryRequestedAt: at } }, {
        upsert: true,
      });
    },
  });
}

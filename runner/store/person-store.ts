/**
 * Reading one person (or one org unit) for the inspector and the on-demand
 * sync: the stored document by email, `ssoUserId` or employee number
 * (`userId`), its last webhook events and held events, the active count the
 * guard needs, and the last finished full or delta run. Read-only.
 *
 * @module
 */
import type { Db } from "mongodb";
import {
  ORG_UNITS,
  type OrgUnitDoc,
  SYNC_HISTORY,
  type SyncHistoryDoc,
  type UserDoc,
  USERS,
  WEBHOOK_EVENTS,
  type WebhookEventDoc,
} from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/** What {@linkcode createPersonStore} returns. */
export type PersonStore = ReturnType<typeof createPersonStore>;

/** A stored user as the inspector shows it (`_id` as hex). */
export type StoredUser = Omit<UserDoc, "_id"> & { _id: string };

/**
 * Creates the person store.
 *
 * @example
 * ```ts
 * const people = createPersonStore(db);
 * const jane = await people.findUser("jane.doe@ias.co.id");
 * ```
 */
export function createPersonStore(db: Db) {
  const users = db.collection<UserDoc>(USERS);
  const units = db.collection<OrgUnitDoc>(ORG_UNITS);
  const events = db.collection<WebhookEventDoc>(WEBHOOK_EVENTS);
  const history = db.collection<SyncHistoryDoc>(SYNC_HISTORY);
  return translateDriverErrors({
    /** The user whose ssoUserId, email (any case) or employee number is `key`; null when none. */
    async findUser(key: string): Promise<StoredUser | null> {
      for (
        const filter of [{ ssoUserId: key }, { email: key }, { email: key.toLowerCase() }, {
          userId: key,
        }]
      ) {
        const d = await users.findOne(filter);
        if (d) return { ...d, _id: String(d._id) } as StoredUser;
      }
      return null;
    },
    /** The org unit whose SCIM id or unit name is `key` (the id first); null when none. */
    async findOrgUnit(key: string): Promise<OrgUnitDoc | null> {
      return (await units.findOne({ _id: key })) ?? (await units.findOne({ unitName: key }));
    },
    /** Active org units (the guard's baseline for one on-demand deactivation). */
    countActiveOrgUnits: (): Promise<number> => units.countDocuments({ isActive: true }),
    /** The last webhook events about a resource, newest first (held events' bodies left out). */
    eventsFor: (resourceId: string, limit: number): Promise<WebhookEventDoc[]> =>
      events.find({ resourceId }, { projection: { heldEvent: 0 } }).sort({ receivedAt: -1 })
        .limit(limit).toArray(),
    /** Active users (the guard's baseline for one on-demand deactivation). */
    countActiveUsers: (): Promise<number> => users.countDocuments({ isActive: true }),
    /** The last finished full or delta run (its filter and errors explain an absence). */
    lastRun: (): Promise<SyncHistoryDoc | null> =>
      history.find({
        type: { $in: ["scim_full_sync", "scim_delta_sync"] },
        status: { $ne: "running" },
      }).sort({ startedAt: -1 }).limit(1).next(),
  });
}

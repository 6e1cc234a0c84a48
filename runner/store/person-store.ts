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
import { emailKeyOf } from "../documents/match-key.ts";

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
    /**
     * The user the sync owns whose ssoUserId, email (in any letter case: `emailKey`, or for a
     * document of an earlier release the email itself, compared the same way) or employee
     * number is `key`; null when none. OFM's own accounts are not the sync's to show or sync.
     */
    async findUser(key: string): Promise<StoredUser | null> {
      const owned = { ssoUserId: { $type: "string" } };
      const folded = emailKeyOf(key);
      const anyCase = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "i");
      for (
        const filter of [
          { ssoUserId: key },
          { ...owned, emailKey: folded },
          { ...owned, email: anyCase, emailKey: { $exists: false } },
          { ...owned, userId: key },
        ]
      ) {
        const found = await users.find(filter as object).limit(5).toArray();
        // The regex's fold is wider than ASCII: keep only exact ASCII-fold matches.
        const d = "email" in filter
          ? found.find((x) => emailKeyOf(String(x.email)) === folded)
          : found[0];
        if (d) return { ...d, _id: String(d._id) } as StoredUser;
      }
      return null;
    },
    /** The org unit whose SCIM id or unit name is `key` (the id first); null when none. */
    async findOrgUnit(key: string): Promise<OrgUnitDoc | null> {
      return (await units.findOne({ _id: key })) ?? (await units.findOne({ unitName: key }));
    },
    /** The last webhook events about a resource, newest first (held events' bodies left out). */
    eventsFor: (resourceId: string, limit: number): Promise<WebhookEventDoc[]> =>
      events.find({ resourceId }, { projection: { heldEvent: 0 } }).sort({ receivedAt: -1 })
        .limit(limit).toArray(),
    /** The last finished full or delta run (its filter and errors explain an absence). */
    lastRun: (): Promise<SyncHistoryDoc | null> =>
      history.find({
        type: { $in: ["scim_full_sync", "scim_delta_sync"] },
        status: { $ne: "running" },
      }).sort({ startedAt: -1 }).limit(1).next(),
  });
}

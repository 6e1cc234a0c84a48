/**
 * The sync page's webhook trend: the receive time and status of the events
 * of the last hours, projected and capped. Bucketed by hour in the page
 * (http/trend-chart.tsx `hourBuckets`), not by an aggregation, so it runs on
 * every server the store supports (FerretDB included).
 *
 * @module
 */
import type { Db } from "mongodb";
import { WEBHOOK_EVENTS, type WebhookEventDoc } from "./collections.ts";
import { translateDriverErrors } from "./driver-errors.ts";

/** Events read at most for one trend: past it, the oldest hours show fewer. */
export const TREND_EVENT_CAP = 50_000;

/**
 * Creates the trend reader.
 *
 * @example
 * ```ts
 * const trend = createEventTrend(db);
 * const rows = await trend.since(new Date(Date.now() - 48 * 3_600_000));
 * ```
 */
export function createEventTrend(db: Db) {
  const col = db.collection<WebhookEventDoc>(WEBHOOK_EVENTS);
  return translateDriverErrors({
    /** `{ receivedAt, status }` of events received since `from`, newest first. */
    since(from: Date, cap = TREND_EVENT_CAP): Promise<{ receivedAt: Date; status: string }[]> {
      return col.find({ receivedAt: { $gte: from } }, {
        projection: { _id: 0, receivedAt: 1, status: 1 },
      }).sort({ receivedAt: -1 }).limit(cap).toArray();
    },
  });
}

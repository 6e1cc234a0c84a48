/**
 * Small pieces every page shares: one time format in the operator's zone
 * (`PAGE_TIME_ZONE`, named beside each time), numbers with thousands
 * separators, a status badge that takes any status string (a status this
 * version does not know shows as it is, in grey), and the short name of a
 * history type.
 *
 * @module
 */
import { createContext, useContext } from "hono/jsx";
import { type TimeFormat, timeFormat } from "../time-format.ts";

export { type TimeFormat, timeFormat };

/** UTC, the default of `PAGE_TIME_ZONE`. */
export const UTC_FORMAT: TimeFormat = timeFormat("UTC");

/** The zone a page renders in: set once per page by its root component. */
export const PageZone = createContext<TimeFormat>(UTC_FORMAT);

/**
 * A date as the pages print it, to the second, in UTC (text outside a page).
 *
 * @example
 * ```ts
 * fmt(new Date("2025-10-18T12:00:00.123Z")); // "2025-10-18 12:00:00 UTC"
 * ```
 */
export const fmt = (d: Date): string => UTC_FORMAT.format(d);

/**
 * A `<time>` element carrying the ISO instant, its text in the page's zone.
 *
 * @example
 * ```tsx
 * <Time d={row.startedAt} />
 * ```
 */
export function Time({ d }: { d: Date }) {
  const f = useContext(PageZone);
  return <time datetime={d.toISOString()}>{f.format(d)}</time>;
}

/**
 * A count with thousands separators.
 *
 * @example
 * ```ts
 * num(2000); // "2,000"
 * ```
 */
export const num = (n: number): string => n.toLocaleString("en-US");

const KNOWN = new Set([
  "success",
  "partial",
  "failed",
  "aborted",
  "stale",
  "incomplete",
  "interrupted",
  "abandoned",
  "duplicate",
  "running",
  "processing",
  "held",
]);

/**
 * A coloured status badge (`b-success`, `b-failed`, … in page-assets.ts); a
 * status this version does not know keeps its text, in the neutral colour.
 *
 * @example
 * ```tsx
 * <Badge status="success" />
 * ```
 */
export const Badge = ({ status }: { status: string }) => (
  <span class={`badge b-${KNOWN.has(status) ? status : "other"}`}>{status}</span>
);

const LABELS: Record<string, string> = {
  scim_full_sync: "full",
  scim_delta_sync: "delta",
  scim_user_sync: "one person",
  scim_group_sync: "one org unit",
};

/**
 * The short name of a `syncHistory` type: "full", "delta", "one person",
 * "one org unit"; any other type (`purge`) as it is stored.
 *
 * @example
 * ```ts
 * typeLabel("scim_delta_sync"); // "delta"
 * ```
 */
export const typeLabel = (t: string): string => LABELS[t] ?? t;

/**
 * A run of the whole directory (full or delta): what "Last sync" and the trend
 * show. On-demand runs of one person or org unit and purges are listed in the
 * history only.
 *
 * @example
 * ```ts
 * isDirectoryRun({ type: "scim_user_sync" }); // false
 * ```
 */
export const isDirectoryRun = (r: { type: string }): boolean =>
  r.type === "scim_full_sync" || r.type === "scim_delta_sync";

/**
 * Small pieces every card of the sync page shares: a timestamp, a status
 * badge and the short name of a history type.
 *
 * @module
 */

/**
 * A date as the page prints it, to the second, in UTC.
 *
 * @example
 * ```ts
 * fmt(new Date("2025-10-18T12:00:00.123Z")); // "2025-10-18 12:00:00 UTC"
 * ```
 */
export const fmt = (d: Date): string =>
  d.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");

/**
 * A `<time>` element carrying the ISO instant (the script localises it).
 *
 * @example
 * ```tsx
 * <Time d={row.startedAt} />
 * ```
 */
export const Time = ({ d }: { d: Date }) => <time datetime={d.toISOString()}>{fmt(d)}</time>;

/**
 * A coloured status badge (`b-success`, `b-failed`, … in page-assets.ts).
 *
 * @example
 * ```tsx
 * <Badge status="success" />
 * ```
 */
export const Badge = ({ status }: { status: string }) => (
  <span class={`badge b-${status}`}>{status}</span>
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

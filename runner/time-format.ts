/**
 * One time format for everything an operator reads — the sync page, the
 * person view, the preview and the command line: to the second, in the zone
 * `PAGE_TIME_ZONE` names (default UTC), the zone named beside each time.
 *
 * @module
 */

/** How the pages print an instant: in one zone, to the second, the zone named. */
export interface TimeFormat {
  /** The IANA zone (`UTC`, `Asia/Jakarta`). */
  zone: string;
  format(d: Date): string;
}

/**
 * The time format for a zone (pure once built); `UTC` prints as before.
 *
 * @throws {RangeError} for a zone the runtime does not know (config.ts checks it first)
 * @example
 * ```ts
 * timeFormat("Asia/Jakarta").format(new Date("2025-10-18T12:00:00Z")); // "2025-10-18 19:00:00 GMT+7"
 * timeFormat("UTC").format(new Date("2025-10-18T12:00:00Z")); // "2025-10-18 12:00:00 UTC"
 * ```
 */
export function timeFormat(zone: string): TimeFormat {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  });
  return {
    zone,
    format(d: Date): string {
      const p: Record<string, string> = {};
      for (const part of parts.formatToParts(d)) p[part.type] = part.value;
      const name = zone === "UTC" ? "UTC" : p.timeZoneName ?? zone;
      return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${name}`;
    },
  };
}

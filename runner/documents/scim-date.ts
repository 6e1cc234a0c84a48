/**
 * SCIM's `meta.lastModified` as stored: a Date, or null. SCIM allows any
 * string there, and an unparseable one must order nothing rather than be
 * stored as an Invalid Date.
 *
 * @module
 */

/**
 * The Date of an ISO string, or null when absent or not a date.
 *
 * @param iso the SCIM timestamp
 * @returns a valid Date or null
 *
 * @example
 * ```ts
 * scimDate("2025-10-18T10:30:00Z"); // Date
 * scimDate("yesterday"); // null
 * ```
 */
export function scimDate(iso: string | null | undefined): Date | null {
  const d = iso ? new Date(iso) : null;
  return d && Number.isFinite(d.getTime()) ? d : null;
}

/**
 * The placeholder a unique value is parked under while it moves between
 * people within one run (a swap of emails under a unique index, say): unique
 * per account, recognisable, and never a deliverable address (RFC 2606's
 * `.invalid`).
 *
 * @module
 */

/**
 * The parked value of `field` on the account with this id.
 *
 * @example
 * ```ts
 * parkedValue("email", "o:65f0c0ffee0000000000abcd"); // "parked.o-65f0c0ffee0000000000abcd@scim-sync.invalid"
 * parkedValue("userId", "o:65f0c0ffee0000000000abcd"); // "parked:o-65f0c0ffee0000000000abcd"
 * ```
 */
export function parkedValue(field: string, id: string): string {
  const tag = id.replace(/[^A-Za-z0-9]/g, "-").slice(0, 64);
  return field === "email" ? `parked.${tag}@scim-sync.invalid` : `parked:${tag}`;
}

/**
 * Whether a stored value is a parked placeholder.
 *
 * @example
 * ```ts
 * isParked("parked.o-65f0@scim-sync.invalid"); // true
 * ```
 */
export function isParked(value: unknown): boolean {
  return typeof value === "string" &&
    (value.startsWith("parked:") ||
      (value.startsWith("parked.") && value.endsWith("@scim-sync.invalid")));
}

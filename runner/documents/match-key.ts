/**
 * How an SSO user is matched to an existing OFM account on first contact
 * (SYNC_MATCH_ON): by email, compared case-insensitively as RFC 7643 makes
 * `userName` case-insensitive; by employee number (OFM's `userId`); or not
 * at all. The email's fold is ASCII-only (A–Z to a–z): a look-alike such as
 * the Kelvin sign never matches an ASCII address, since matching links the
 * directory's person to an existing account and its role.
 *
 * @module
 */
import { foldAsciiCase } from "../super-admins.ts";

/** SYNC_MATCH_ON. */
export type MatchOn = "email" | "userId" | "off";

/**
 * The key stored beside `email` on the sync's documents (`emailKey`), and compared on matching.
 *
 * @example
 * ```ts
 * emailKeyOf("Jane.Doe@IAS.co.id"); // "jane.doe@ias.co.id"
 * ```
 */
export function emailKeyOf(email: string): string {
  return foldAsciiCase(email);
}

/**
 * The match value of a user's fields under `on`; null when there is none to match by.
 *
 * @example
 * ```ts
 * matchValueOf({ email: "A@x", userId: "E-1" }, "email"); // "a@x"
 * matchValueOf({ email: "A@x", userId: null }, "userId"); // null
 * ```
 */
export function matchValueOf(
  u: { email?: unknown; userId?: unknown },
  on: MatchOn,
): string | null {
  if (on === "email") {
    return typeof u.email === "string" && u.email !== "" ? emailKeyOf(u.email) : null;
  }
  if (on === "userId") return typeof u.userId === "string" && u.userId !== "" ? u.userId : null;
  return null;
}

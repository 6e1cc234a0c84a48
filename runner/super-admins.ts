/**
 * Who is a super admin: SUPER_ADMIN_EMAILS compared with a directory email
 * after one normalisation, an ASCII-only case fold (A–Z become a–z; every
 * other character, including every non-ASCII one, is compared exactly).
 *
 * Why not `toLowerCase()` or NFKC: both map look-alikes onto ASCII — the
 * Kelvin sign U+212A becomes "k", NFKC turns the long s U+017F into "s" and
 * fullwidth "Ｋ" into "K" — so a directory user named with such a character
 * would be given the role of the ASCII address. With an ASCII-only fold a
 * look-alike never equals a listed address.
 *
 * @module
 */

/**
 * Lower-cases A–Z and nothing else.
 *
 * @param text an email address (or any string)
 * @returns `text` with ASCII capitals lowered; every other character unchanged
 *
 * @example
 * ```ts
 * foldAsciiCase("Karen@IAS.co.id"); // "karen@ias.co.id"
 * foldAsciiCase("\u212Aaren@ias.co.id"); // "\u212Aaren@ias.co.id" (Kelvin sign kept)
 * ```
 */
export function foldAsciiCase(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * True when `email` is one of `superAdmins`, both sides folded with {@linkcode foldAsciiCase}.
 *
 * @param email the directory user's email
 * @param superAdmins SUPER_ADMIN_EMAILS (folded or not)
 * @returns whether the user gets `super_admin`
 *
 * @example
 * ```ts
 * isSuperAdminEmail("Boss@ias.co.id", ["boss@ias.co.id"]); // true
 * isSuperAdminEmail("Bo\u017Fs@ias.co.id", ["boss@ias.co.id"]); // false (long s)
 * ```
 */
export function isSuperAdminEmail(email: string, superAdmins: readonly string[]): boolean {
  const folded = foldAsciiCase(email);
  return superAdmins.some((s) => foldAsciiCase(s) === folded);
}

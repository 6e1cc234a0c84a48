/**
 * The person search's keys: what a prefix typed on the sync page is matched
 * against. FerretDB has no collations, so case-insensitive prefix search
 * needs a normalised field: `searchKeys`, written by the one document builder
 * (ofm-documents.ts) on every create and update, by the sync and the webhook
 * path alike, and filled once for documents written before it existed
 * (store/person-search.ts `backfill`). Folding is for finding, not for
 * identity: accents and case are dropped ("José" is found by "jose"), which
 * the super-admin match (super-admins.ts) deliberately never does.
 *
 * @module
 */

/** The fields the keys come from. */
export interface SearchSource {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
}

/** Longest key kept: a prefix search needs no more, and the index stays small. */
export const SEARCH_KEY_MAX = 64;

/**
 * Lower case without accents, spaces collapsed (pure).
 *
 * @example
 * ```ts
 * foldForSearch("  José  DA Silva "); // "jose da silva"
 * ```
 */
export function foldForSearch(text: string): string {
  return text.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * The keys of one person: first name, last name, the name as lists show it
 * ("first last", the display name OFM has) and the email, folded, each at most
 * {@linkcode SEARCH_KEY_MAX} characters, without duplicates (pure).
 *
 * @example
 * ```ts
 * searchKeys({ firstName: "Jane", lastName: "Doe", email: "Jane.Doe@ias.co.id" });
 * // ["jane", "doe", "jane doe", "jane.doe@ias.co.id"]
 * ```
 */
export function searchKeys(p: SearchSource): string[] {
  const full = [p.firstName, p.lastName].filter(Boolean).join(" ");
  const keys = [p.firstName, p.lastName, full, p.email]
    .map((v) => foldForSearch(v ?? "").slice(0, SEARCH_KEY_MAX))
    .filter((v) => v.length > 0);
  return [...new Set(keys)];
}

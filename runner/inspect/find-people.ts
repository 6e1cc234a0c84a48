/**
 * Finding people by name: the prefix search in OFM (store/person-search.ts)
 * and, for the people shown, whether the directory has them active — asked
 * in one filtered SCIM request (`id eq "…" or id eq "…"`), so a search costs
 * one request of the SSO's allowance, not one per person. An SSO that cannot
 * answer leaves that column unknown; the search itself never fails on it.
 *
 * @module
 */
import type { PersonHit } from "../store/person-search.ts";
import type { ScimClient } from "../scim/scim-client.ts";

/** People shown per search. */
export const SEARCH_LIMIT = 50;

/** One found person: OFM's record and the directory's `active`, when it could be asked. */
export interface FoundPerson extends PersonHit {
  /** `active` in the SSO; null when the SSO has no such user; undefined when it was not asked. */
  activeInSso: boolean | null | undefined;
}

/** The result list. */
export interface PeopleFound {
  query: string;
  people: FoundPerson[];
  /** More people match than are shown: type more of the name. */
  more: boolean;
  /** Why the SSO's `active` is unknown, when it is. */
  ssoError: string | null;
  /**
   * When nobody's name or email starts with the query: the SSO id of the stored person whose
   * email, SSO id or employee number it is exactly (the page opens that person).
   */
  exact: string | null;
}

/** What {@linkcode findPeople} needs. */
export interface FindPeopleDeps {
  search(prefix: string, limit: number): Promise<{ hits: PersonHit[]; more: boolean }>;
  client: Pick<ScimClient, "get">;
  /** The SSO id of the stored user whose email, SSO id or employee number is `key`. */
  exact?: (key: string) => Promise<string | null>;
}

/**
 * Searches by any prefix of first name, last name, full name or email.
 *
 * @throws whatever the store throws (the routes answer 503)
 * @example
 * ```ts
 * const found = await findPeople({ search: people.search, client }, "jan");
 * found.people[0]; // { ssoUserId, name: "Jane Doe", email, departmentName, activeInOfm: true, activeInSso: true }
 * ```
 */
export async function findPeople(deps: FindPeopleDeps, query: string): Promise<PeopleFound> {
  const { hits, more } = await deps.search(query, SEARCH_LIMIT);
  // Nobody by name: perhaps an employee number or an SSO id, which are no search keys.
  const exact = hits.length === 0 && deps.exact ? await deps.exact(query) : null;
  if (hits.length === 0) return { query, people: [], more, ssoError: null, exact };
  try {
    const active = await activeInSso(deps.client, hits.map((h) => h.ssoUserId));
    const people = hits.map((h) => ({ ...h, activeInSso: active.get(h.ssoUserId) ?? null }));
    return { query, people, more, ssoError: null, exact };
  } catch (e) {
    const people = hits.map((h) => ({ ...h, activeInSso: undefined }));
    return { query, people, more, ssoError: e instanceof Error ? e.message : String(e), exact };
  }
}

async function activeInSso(
  client: FindPeopleDeps["client"],
  ids: readonly string[],
): Promise<Map<string, boolean>> {
  const filter = ids.map((id) => `id eq "${id.replace(/["\\]/g, "")}"`).join(" or ");
  const list = await client.get("/Users", {
    filter,
    count: String(ids.length),
    attributes: "id,active",
  }) as { Resources?: { id?: unknown; active?: unknown }[] } | null;
  const out = new Map<string, boolean>();
  for (const r of list?.Resources ?? []) {
    if (typeof r.id === "string") out.set(r.id, r.active !== false);
  }
  return out;
}

/**
 * Matching on first contact, pure: an SSO user whose id OFM does not know is
 * matched to an existing account by SYNC_MATCH_ON before anything is created
 * twice (Entra's matching attributes, Okta's import matching rules).
 *
 * - one of OFM's own accounts (no SSO id) matches: **link** it;
 * - several of them match: a **conflict** (nothing is guessed);
 * - an account the sync owns matches (another SSO id): decided once the run
 *   knows whether that id is still in the directory (resolver.ts): relinked
 *   when it left (a rehire), a conflict when it is another person still there;
 * - nothing matches: **insert**.
 *
 * @module
 */
import type { OfmUser, ResourceError } from "../../shared/ofm-documents.ts";
import type { Change } from "../documents/changes.ts";
import { type MatchOn, matchValueOf } from "../documents/match-key.ts";
import { holderInfo } from "./conflicts.ts";
import type { Account } from "./ports.ts";

/** Where one create goes. */
export type CreateRoute =
  | { route: "insert"; change: Change<OfmUser> }
  | { route: "link"; change: Change<OfmUser>; account: Account }
  | { route: "resolve"; change: Change<OfmUser> }
  | { route: "conflict"; change: Change<OfmUser>; error: ResourceError };

/**
 * Accounts by their match value.
 *
 * @example
 * ```ts
 * const byValue = indexByMatch(await identity.unlinked(), "email");
 * ```
 */
export function indexByMatch(accounts: readonly Account[], on: MatchOn): Map<string, Account[]> {
  const out = new Map<string, Account[]>();
  for (const a of accounts) {
    const v = matchValueOf(a.values, on);
    if (v === null) continue;
    const list = out.get(v);
    if (list) list.push(a);
    else out.set(v, [a]);
  }
  return out;
}

/**
 * Routes creates by what matches them (pure).
 *
 * @param unlinked OFM's own accounts by match value
 * @param owned the sync's own accounts by match value (other SSO ids)
 * @example
 * ```ts
 * routeCreates(creates, indexByMatch(unlinked, "email"), indexByMatch(owned, "email"), "email");
 * ```
 */
export function routeCreates(
  creates: readonly Change<OfmUser>[],
  unlinked: ReadonlyMap<string, Account[]>,
  owned: ReadonlyMap<string, Account[]>,
  on: MatchOn,
): CreateRoute[] {
  return creates.map((change): CreateRoute => {
    const v = matchValueOf(change.doc, on);
    if (v === null) return { route: "insert", change };
    const mine = (owned.get(v) ?? []).filter((a) => a.ssoUserId !== change.doc.ssoUserId);
    const theirs = unlinked.get(v) ?? [];
    if (mine.length === 0 && theirs.length === 0) return { route: "insert", change };
    if (mine.length === 0 && theirs.length === 1) {
      return { route: "link", change, account: theirs[0]! };
    }
    if (theirs.length === 0) return { route: "resolve", change };
    const field = on === "userId" ? "userId" : "email";
    return {
      route: "conflict",
      change,
      error: {
        resourceType: "User",
        resourceId: change.doc.ssoUserId,
        code: "MATCH_AMBIGUOUS",
        message: `${change.doc.email} (SSO id ${change.doc.ssoUserId}) was not created: ` +
          `${mine.length + theirs.length} OFM accounts have the same ${field}; ` +
          `merge them in OFM, then run a full sync`,
        holder: holderInfo([...theirs, ...mine][0]!, field),
      },
    };
  });
}

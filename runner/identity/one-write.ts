/**
 * Identity for one person at a time (a webhook event, an on-demand sync):
 * an SSO id OFM does not know is matched to an existing account before
 * anything is created twice (linked, or relinked for a rehire), and a write
 * a unique index refused is resolved as a run resolves it (resolver.ts),
 * asking the directory live who is still there. A conflict only a person can
 * resolve is final; one where the directory did not answer is temporary.
 *
 * @module
 */
import type { OfmUser, ResourceError } from "../../shared/ofm-documents.ts";
import type { ChangeOrigin } from "../documents/change-record.ts";
import type { Change } from "../documents/changes.ts";
import { type MatchOn, matchValueOf } from "../documents/match-key.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import { indexByMatch, routeCreates } from "./matching.ts";
import type { DirectoryProbe, IdentityStore } from "./ports.ts";
import { type Intent, type Resolution, type ResolveDeps, resolveIdentities } from "./resolver.ts";

/** What identity needs for one person (the composition root wires it). */
export interface OneIdentity {
  store: IdentityStore;
  directory: DirectoryProbe;
  matchOn: MatchOn;
  /** The sync store's batch writes of users (creates and updates, counted as acknowledged). */
  writer: ResolveDeps["writer"];
}

/** What one person's write came to. */
export type OneOutcome =
  | { kind: "written"; change: "created" | "updated" | "unchanged" | "linked" | "relinked" }
  | { kind: "conflict"; error: ResourceError; temporary: boolean }
  | { kind: "raced" };

/** How one write is made and told apart. */
export interface OneWrite {
  identity: OneIdentity;
  hash: (u: OfmUser) => string;
  source: SyncSource;
  origin: ChangeOrigin;
}

/**
 * Writes a person OFM does not know: insert (through `insert`, the caller's own
 * write), link, relink or conflict.
 *
 * @param insert the caller's insert: what it wrote, "refused" by a unique index, or "raced"
 * @example
 * ```ts
 * const r = await writeNewPerson(w, change, () => insertPlain());
 * r.kind === "written" && r.change; // "linked"
 * ```
 */
export async function writeNewPerson<T>(
  w: OneWrite,
  change: Change<OfmUser>,
  insert: () => Promise<T | "refused" | "raced">,
): Promise<T | OneOutcome> {
  const on = w.identity.matchOn;
  const v = matchValueOf(change.doc, on);
  const values = v === null ? [] : [v];
  const [unlinked, owned] = await Promise.all([
    w.identity.store.unlinkedMatching(values),
    w.identity.store.ownedMatching(values),
  ]);
  const [route] = routeCreates([change], indexByMatch(unlinked, on), indexByMatch(owned, on), on);
  if (!route || route.route === "insert") {
    const r = await insert();
    if (r === "raced") return { kind: "raced" };
    return r === "refused" ? resolvePerson(w, { kind: "insert", change }) : r;
  }
  if (route.route === "conflict") return conflictOf(route.error);
  if (route.route === "link") {
    const out = await w.identity.store.link(
      [{ change, account: route.account }],
      w.source,
      w.origin,
    );
    if (out.written === 1) return { kind: "written", change: "linked" };
    if (out.refused.length > 0) {
      return resolvePerson(w, { kind: "link", change, account: route.account });
    }
    // The account changed since it was read (linked by someone else): decide again.
    return { kind: "raced" };
  }
  return resolvePerson(w, { kind: "match", change });
}

/**
 * Resolves one write a unique index refused (or one create to match), live.
 *
 * @example
 * ```ts
 * await resolvePerson(w, { kind: "update", change }); // { kind: "written", change: "updated" }
 * ```
 */
export async function resolvePerson(w: OneWrite, intent: Intent): Promise<OneOutcome> {
  const r = await resolveIdentities({
    identity: w.identity.store,
    writer: w.identity.writer,
    presence: (id) => w.identity.directory.presence(id),
    hash: w.hash,
    matchOn: w.identity.matchOn,
    source: w.source,
    origin: w.origin,
  }, [intent]);
  return outcomeOf(r);
}

function outcomeOf(r: Resolution): OneOutcome {
  const error = r.errors[0];
  if (error) return conflictOf(error);
  const change = r.relinked > 0
    ? "relinked"
    : r.linked > 0
    ? "linked"
    : r.created > 0
    ? "created"
    : r.updated > 0
    ? "updated"
    : "unchanged";
  return { kind: "written", change };
}

/** A conflict only a person can resolve is final; an unanswered directory is temporary. */
function conflictOf(error: ResourceError): OneOutcome {
  return { kind: "conflict", error, temporary: error.code === "HOLDER_UNCONFIRMED" };
}

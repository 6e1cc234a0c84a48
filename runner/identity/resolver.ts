/**
 * Values that move between people, resolved within one run. A write a
 * unique index refused (a swap of two emails, a rotation of three, an
 * address freed by a leaver and taken by someone else) and a create whose
 * match value an account the sync owns already has are resolved together,
 * in rounds:
 *
 * 1. find who holds each value;
 * 2. decide per holder: OFM's own account → a conflict (never overwritten);
 *    the sync's own account whose SSO id left the directory → its value is
 *    parked (freed), or, for a create matching it, the account is relinked
 *    (a rehire); one still in the directory that is itself moving to
 *    another value in this run → parked; one that keeps the value → a
 *    conflict naming it;
 * 3. park, then write again; what is refused again goes to the next round.
 *
 * Parking writes a placeholder (documents/parked-value.ts) and an empty
 * hash, so an account left parked by a crash is rewritten by the next run;
 * values parked and then not taken are put back at the end. "Left the
 * directory" needs positive proof: a complete listing without the id, or a
 * 404 with a SCIM error body — never the absence of an answer.
 *
 * @module
 */
import type { OfmUser, ResourceError } from "../../shared/ofm-documents.ts";
import type { ChangeOrigin } from "../documents/change-record.ts";
import type { Change, WriteOutcome } from "../documents/changes.ts";
import { type MatchOn, matchValueOf } from "../documents/match-key.ts";
import type { SyncSource } from "../documents/stored-docs.ts";
import { conflictError } from "./conflicts.ts";
import { indexByMatch } from "./matching.ts";
import type { Account, IdentityStore, ParkWrite, Presence } from "./ports.ts";
import { pushAll } from "../push-all.ts";

/** One write still to make: a plain insert or update, a link, or a create to match. */
export type Intent =
  | { kind: "insert" | "update"; change: Change<OfmUser> }
  | { kind: "link" | "relink"; change: Change<OfmUser>; account: Account }
  | { kind: "match"; change: Change<OfmUser> };

/** What resolving needs. */
export interface ResolveDeps {
  identity: IdentityStore;
  writer: {
    createUsers(
      c: readonly Change<OfmUser>[],
      s: SyncSource,
      o?: ChangeOrigin,
    ): Promise<WriteOutcome<OfmUser>>;
    updateUsers(
      c: readonly Change<OfmUser>[],
      s: SyncSource,
      o?: ChangeOrigin,
    ): Promise<WriteOutcome<OfmUser>>;
  };
  /** Whether an SSO id is still in the directory (the run's listing, or a live lookup). */
  presence(ssoUserId: string): Promise<Presence>;
  hash(user: OfmUser): string;
  matchOn: MatchOn;
  source: SyncSource;
  origin?: ChangeOrigin;
}

/** What resolving wrote, as MongoDB acknowledged it, and what it could not. */
export interface Resolution {
  created: number;
  updated: number;
  linked: number;
  relinked: number;
  parked: number;
  errors: ResourceError[];
  /** SSO ids whose account was relinked to someone else: never deactivated by absence now. */
  relinkedFrom: Set<string>;
}

/** One round's decisions. */
interface Round {
  parks: ParkWrite[];
  writes: Intent[];
  errors: ResourceError[];
}

const MAX_ROUNDS = 4;

/**
 * Resolves the intents; never throws for a conflict (it becomes an error entry).
 *
 * @throws what the store or the directory throws (the run records it)
 * @example
 * ```ts
 * const r = await resolveIdentities(deps, [{ kind: "update", change }]);
 * r.updated; // 1 once the value was freed
 * ```
 */
export async function resolveIdentities(deps: ResolveDeps, intents: Intent[]): Promise<Resolution> {
  const out: Resolution = {
    created: 0,
    updated: 0,
    linked: 0,
    relinked: 0,
    parked: 0,
    errors: [],
    relinkedFrom: new Set(),
  };
  const incoming = new Map(intents.map((i) => [i.change.doc.ssoUserId, i.change.doc]));
  const presence = cached(deps.presence);
  const ctx = { deps, incoming, presence };
  const parked: ParkWrite[] = [];
  let work = intents;
  for (let round = 0; round < MAX_ROUNDS && work.length > 0; round++) {
    const plan = await planRound(ctx, work);
    pushAll(out.errors, plan.errors);
    if (plan.parks.length > 0) {
      out.parked += await deps.identity.park(plan.parks, deps.origin);
      pushAll(parked, plan.parks);
    }
    work = await applyRound(deps, plan.writes, out);
  }
  for (const w of work) out.errors.push(await lastError(ctx, w));
  if (parked.length > 0) await deps.identity.restore(parked);
  return out;
}

interface Ctx {
  deps: ResolveDeps;
  incoming: Map<string, OfmUser>;
  presence: (id: string) => Promise<Presence>;
}

function cached(fn: (id: string) => Promise<Presence>) {
  const seen = new Map<string, Promise<Presence>>();
  return (id: string) => {
    let p = seen.get(id);
    if (!p) seen.set(id, p = fn(id));
    return p;
  };
}

async function planRound(ctx: Ctx, work: readonly Intent[]): Promise<Round> {
  const round: Round = { parks: [], writes: [], errors: [] };
  await planMatches(ctx, work.filter((w) => w.kind === "match"), round);
  const refused = work.filter((w) => w.kind !== "match");
  if (refused.length === 0) return round;
  const holders = await ctx.deps.identity.holders(refused.map((w) => w.change.doc));
  for (const w of refused) await planRefused(ctx, w, holders, round);
  return round;
}

/** Creates whose match value an account the sync owns has: relink, free, or conflict. */
async function planMatches(ctx: Ctx, matches: readonly Intent[], round: Round): Promise<void> {
  if (matches.length === 0) return;
  const on = ctx.deps.matchOn;
  const values = matches.flatMap((m) => matchValueOf(m.change.doc, on) ?? []);
  const owned = indexByMatch(await ctx.deps.identity.ownedMatching(values), on);
  const field = on === "userId" ? "userId" : "email";
  for (const m of matches) {
    const doc = m.change.doc;
    const others = (owned.get(matchValueOf(doc, on) ?? "") ?? []).filter((a) =>
      a.ssoUserId !== doc.ssoUserId
    );
    const holder = others[0];
    if (!holder) {
      round.writes.push({ kind: "insert", change: m.change });
      continue;
    }
    const p = await ctx.presence(holder.ssoUserId!);
    if (p.kind === "gone" && others.length === 1) {
      round.writes.push({ kind: "relink", change: m.change, account: holder });
    } else if (p.kind === "present" && others.length === 1 && movingAway(ctx, holder, field, p)) {
      round.parks.push({ account: holder, field });
      round.writes.push({ kind: "insert", change: m.change }, ...freshWrite(ctx, holder, p));
    } else {
      const reason = p.kind === "unknown" ? "unconfirmed" : "present";
      round.errors.push(
        conflictError(doc, holder, field, reason, p.kind === "unknown" ? p.reason : undefined),
      );
    }
  }
}

/** A refused write: park what its holders may give up, or report the one that may not. */
async function planRefused(ctx: Ctx, w: Intent, holders: readonly Account[], round: Round) {
  const doc = w.change.doc;
  const mine = "account" in w ? w.account.id : null;
  const parks: ParkWrite[] = [];
  for (const h of holders) {
    if (h.ssoUserId === doc.ssoUserId || h.id === mine) continue;
    const field = collidingField(ctx.deps.identity.uniqueIndexes(), h, doc);
    if (field === null) continue;
    if (h.ssoUserId === null) return round.errors.push(conflictError(doc, h, field, "own-account"));
    const p = await ctx.presence(h.ssoUserId);
    if (p.kind === "gone" || (p.kind === "present" && movingAway(ctx, h, field, p))) {
      parks.push({ account: h, field });
      if (p.kind === "present") round.writes.push(...freshWrite(ctx, h, p));
      continue;
    }
    const reason = p.kind === "unknown" ? "unconfirmed" : "present";
    return round.errors.push(
      conflictError(doc, h, field, reason, p.kind === "unknown" ? p.reason : undefined),
    );
  }
  pushAll(round.parks, parks);
  round.writes.push(w);
}

/** The first unique index whose every field `h` holds with `doc`'s value; its first field. */
function collidingField(unique: readonly string[][], h: Account, doc: OfmUser): string | null {
  const d = doc as unknown as Record<string, unknown>;
  for (const fields of unique) {
    if (fields.every((f) => same(h.values[f], d[f]))) return fields[0]!;
  }
  // A create matching by email collides on the match value even without a unique index.
  return same(h.values.email, d.email) ? "email" : null;
}

const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);

/** The holder is in the directory with another value for `field`: it moves this run. */
function movingAway(
  ctx: Ctx,
  h: Account,
  field: string,
  p: Presence & { kind: "present" },
): boolean {
  const next = ctx.incoming.get(h.ssoUserId!) ?? p.user;
  if (!next) return false;
  const value = (next as unknown as Record<string, unknown>)[field] ?? null;
  return !same(value, h.values[field]);
}

/** The holder's own state from the directory, when only a live lookup told it (webhooks, deltas). */
function freshWrite(ctx: Ctx, h: Account, p: Presence & { kind: "present" }): Intent[] {
  const user = p.user;
  if (!user || ctx.incoming.has(user.ssoUserId)) return [];
  // Never a deactivation here: that goes through the gate (the parked account's empty hash
  // makes the next run write it).
  if (h.isActive && !user.isActive) return [];
  ctx.incoming.set(user.ssoUserId, user);
  const change: Change<OfmUser> = {
    kind: "update",
    doc: user,
    hash: ctx.deps.hash(user),
    deactivates: false,
  };
  return [{ kind: "update", change }];
}

/** Writes a round's intents; returns those a unique index refused again. */
async function applyRound(
  deps: ResolveDeps,
  writes: readonly Intent[],
  out: Resolution,
): Promise<Intent[]> {
  const { source, origin } = deps;
  const linksOf = (k: "link" | "relink") =>
    writes.filter((w): w is Extract<Intent, { kind: "link" | "relink" }> => w.kind === k);
  const changesOf = (k: "insert" | "update") =>
    writes.filter((w) => w.kind === k).map((w) => w.change);
  const next: Intent[] = [];
  const take = (r: WriteOutcome<OfmUser>, again: (c: Change<OfmUser>) => Intent | null) => {
    pushAll(out.errors, r.errors);
    for (const x of r.refused) {
      const i = again(x.change);
      if (i) next.push(i);
    }
    return r.written;
  };
  const relinks = linksOf("relink");
  for (const r of relinks) out.relinkedFrom.add(r.account.ssoUserId!);
  if (relinks.length > 0) {
    out.relinked += take(await deps.identity.relink(relinks, source, origin), () => null);
  }
  const links = linksOf("link");
  if (links.length > 0) {
    out.linked += take(await deps.identity.link(links, source, origin), (c) => {
      const l = links.find((x) => x.change === c);
      return l ? { kind: "link", change: c, account: l.account } : null;
    });
  }
  const inserts = changesOf("insert");
  if (inserts.length > 0) {
    out.created += take(
      await deps.writer.createUsers(inserts, source, origin),
      (c) => ({ kind: "insert", change: c }),
    );
  }
  const updates = changesOf("update");
  if (updates.length > 0) {
    out.updated += take(
      await deps.writer.updateUsers(updates, source, origin),
      (c) => ({ kind: "update", change: c }),
    );
  }
  return next;
}

/** The error of a write still refused after every round, naming a holder when one is found. */
async function lastError(ctx: Ctx, w: Intent): Promise<ResourceError> {
  const doc = w.change.doc;
  const holders = await ctx.deps.identity.holders([doc]);
  for (const h of holders) {
    if (h.ssoUserId === doc.ssoUserId) continue;
    const field = collidingField(ctx.deps.identity.uniqueIndexes(), h, doc);
    if (field !== null) {
      return conflictError(doc, h, field, h.ssoUserId === null ? "own-account" : "present");
    }
  }
  return {
    resourceType: "User",
    resourceId: doc.ssoUserId,
    code: "CONFLICT",
    message:
      `${doc.email} (SSO id ${doc.ssoUserId}) was not written: a unique index of OFM refused it and ` +
      `no account holding the value was found (a case-insensitive or compound index?); the next run tries again`,
  };
}

/**
 * The listing part of a run: connect (ServiceProviderConfig), then the org
 * unit pass, then the user pass (resource-pass.ts), creates and updates
 * written behind the fetching. Both indexes are read while the first pages
 * are on their way, and the user pass starts reading pages once the org
 * units' last page is in, while they are written, writing nothing before
 * they are (pass-overlap.ts). Deactivations are left for deactivations.ts.
 *
 * @module
 */
import { mapGroup, mapUser } from "../../shared/mapping.ts";
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { ServiceProviderConfig } from "../../shared/scim-schemas.ts";
import { contentHash, orgUnitHashFields } from "../content-hash.ts";
import type { Change, ExistingIndex } from "../documents/changes.ts";
import { type MatchOn, matchValueOf } from "../documents/match-key.ts";
import { indexByMatch, routeCreates } from "../identity/matching.ts";
import type { Account, IdentityStore } from "../identity/ports.ts";
import type { ChangeOrigin, SyncSource, SyncStorePort } from "./ports.ts";
import {
  type PassContext,
  type PassResult,
  resourcePass,
  type ResourceSpec,
  type Routed,
} from "./resource-pass.ts";
import type { RunContext } from "./run-context.ts";
import type { BatchPlan } from "./diff.ts";
import { createWriteQueue, type WriteQueue } from "./write-queue.ts";
import { createPassOverlap, type PassOverlap } from "./pass-overlap.ts";
import { pushAll } from "../push-all.ts";

/** What the passes leave for the deactivation step. */
export interface Passes {
  units: PassResult<OfmOrgUnit>;
  users: PassResult<OfmUser>;
  unitIndex: ExistingIndex;
  userIndex: ExistingIndex;
  write: WriteQueue;
}

/**
 * The page size and paging mode for this SSO: SCIM_PAGE_SIZE, capped at
 * 1,000 and at what the SSO announces it returns.
 *
 * @example
 * ```ts
 * listingMode(spc, 5000); // { count: 1000, cursor: false }
 * ```
 */
export function listingMode(
  spc: ServiceProviderConfig,
  pageSize: number,
): { count: number; cursor: boolean } {
  return {
    count: Math.min(pageSize, 1000, spc.filter.maxResults ?? 1000),
    cursor: spc.pagination?.cursor === true,
  };
}

/**
 * What differs in the org unit pass.
 *
 * @example
 * ```ts
 * await resourcePass(orgUnitSpec(store, "full_sync"), unitIndex, ctx);
 * ```
 */
export function orgUnitSpec(
  store: SyncStorePort,
  source: SyncSource,
  origin?: ChangeOrigin,
): ResourceSpec<OfmOrgUnit> {
  return {
    resource: "Groups",
    counters: "orgUnits",
    map: mapGroup,
    key: (g) => g._id,
    hash: (g) => contentHash(g, orgUnitHashFields),
    create: (c) => store.createOrgUnits(c, source, origin),
    update: (c) => store.updateOrgUnits(c, source, origin),
  };
}

/**
 * What differs in the user pass; `hashFields` leave out SYNC_EXCLUDE_FIELDS.
 *
 * @example
 * ```ts
 * await resourcePass(userSpec(store, "full_sync", hashFields), userIndex, ctx);
 * ```
 */
export function userSpec(
  store: SyncStorePort,
  source: SyncSource,
  hashFields: readonly string[],
  origin?: ChangeOrigin,
): ResourceSpec<OfmUser> {
  return {
    resource: "Users",
    counters: "users",
    map: mapUser,
    key: (u) => u.ssoUserId,
    hash: (u) => contentHash(u, hashFields),
    create: (c) => store.createUsers(c, source, origin),
    update: (c) => store.updateUsers(c, source, origin),
  };
}

/**
 * Matching on first contact for a run's creates: OFM's own accounts are read once
 * per run (only when there are creates), the sync's own by match value per chunk (only
 * when the sync owns anyone yet).
 *
 * @example
 * ```ts
 * const spec = { ...userSpec(store, "full_sync", fields), ...matcher(identity, "email", indexP, "full_sync") };
 * ```
 */
export function matcher(
  identity: IdentityStore,
  on: MatchOn,
  index: Promise<ExistingIndex>,
  source: SyncSource,
  origin?: ChangeOrigin,
  delta = false,
): Pick<ResourceSpec<OfmUser>, "route" | "link"> {
  let unlinked: Promise<Map<string, Account[]>> | null = null;
  return {
    async route(creates): Promise<Routed<OfmUser>> {
      if (on === "off") return { insert: [...creates], link: [], match: [], errors: [] };
      unlinked ??= identity.unlinked().then((a) => indexByMatch(a, on));
      const values = creates.flatMap((c) => matchValueOf(c.doc, on) ?? []);
      const ownedMatching = async () =>
        // An empty index of a full sync means nobody is the sync's yet (an initial import):
        // nothing to ask. A delta's index holds only what it was sent: always ask.
        (await index).size > 0 || delta
          ? indexByMatch(await identity.ownedMatching(values), on)
          : new Map<string, Account[]>();
      // Awaited together: the unlinked accounts' read failing while this waited for the index
      // was a rejection nobody handled, and that ends a Bun process (a MongoDB outage during
      // a full sync with new people stopped the daemon).
      const [accounts, owned] = await Promise.all([unlinked, ownedMatching()]);
      const out: Routed<OfmUser> = { insert: [], link: [], match: [], errors: [] };
      for (const r of routeCreates(creates, accounts, owned, on)) {
        if (r.route === "insert") out.insert.push(r.change);
        else if (r.route === "link") out.link.push({ change: r.change, account: r.account });
        else if (r.route === "resolve") out.match.push(r.change);
        else out.errors.push(r.error);
      }
      return out;
    },
    link: (links) =>
      identity.link(links as { change: Change<OfmUser>; account: Account }[], source, origin),
  };
}

/** A dry run's new values, by key, for the preview. */
function keepDocs(into: Map<string, unknown>, b: BatchPlan<{ isActive: boolean }>): void {
  for (const c of [...b.creates, ...b.updates, ...b.deactivatingUpdates]) {
    const d = c.doc as { ssoUserId?: string; _id?: string };
    into.set(d.ssoUserId ?? d._id ?? "", c.doc);
  }
}

/**
 * Connects and runs both passes; records the creates and updates in the plan.
 *
 * @throws whatever the SSO or the store throws; the run records it
 * @example
 * ```ts
 * const passes = await runPasses(run);
 * passes.users.seen.size;
 * ```
 */
export async function runPasses(run: RunContext): Promise<Passes> {
  const { deps, record: { stats } } = run;
  const log = deps.logger;
  log.info(
    `🔄 Starting SCIM ${run.options.type === "delta" ? "delta" : "full"} synchronization...`,
  );
  run.progress({ phase: "connecting", fetched: 0, total: null, pageNo: 0 });
  const spc = await deps.client.serviceProviderConfig(run.signal);
  log.info("✅ Connected to Aksara SSO");
  const list = { ...listingMode(spc, deps.pageSize), filter: run.filter, signal: run.signal };
  const write = createWriteQueue({ maxInFlight: 2, dryRun: run.options.dryRun === true });
  // A delta reads only the people it is sent (keyed-index.ts); a full sync the whole index.
  const delta = run.options.type === "delta";
  const userIndexP = delta
    ? Promise.resolve(deps.store.deltaUserIndex(deps.afterPage))
    : deps.store.userIndex(deps.afterPage);
  userIndexP.catch(() => {});
  const docs = run.options.dryRun === true
    ? (run.plan.docs = { users: new Map(), orgUnits: new Map() })
    : undefined;
  const ctx = (phase: "orgUnits" | "users") => ({
    client: deps.client,
    write,
    stats,
    list,
    afterPage: deps.afterPage,
    onDiff: docs && ((b: BatchPlan<{ isActive: boolean }>) => keepDocs(docs[phase], b)),
    onPage: (p: { fetched: number; totalResults: number; pageNo: number }) =>
      run.progress({ phase, fetched: p.fetched, total: p.totalResults, pageNo: p.pageNo }),
  });

  const { units, unitIndex, users } = await bothPasses(run, ctx, userIndexP, delta);
  const userIndex = await userIndexP;
  log.info(`📥 Fetched ${stats.usersFetched} users`);

  // A first import of a million people plans a million creates: no spread (push-all.ts).
  pushAll(run.plan.orgUnits.create, units.created);
  pushAll(run.plan.orgUnits.update, units.updated);
  pushAll(run.plan.users.create, users.created);
  pushAll(run.plan.users.update, users.updated);
  pushAll(run.plan.users.link, users.linked);
  pushAll(run.plan.users.match, users.matched);
  return { units, users, unitIndex, userIndex, write };
}

/**
 * The org unit pass, and the user pass behind it: started once the org units' last page has
 * arrived, it lists, maps and hashes while they are written, and diffs and writes nothing
 * before the org unit pass has ended (pass-overlap.ts). Not before that page: under the SSO's
 * allowance a user page asked for first would put the org units' pages, and so every user
 * write, behind it (a paced delta took 2.8 s for its 4 requests, not 2.4).
 */
async function bothPasses(
  run: RunContext,
  ctx: (phase: "orgUnits" | "users") => PassContext,
  userIndexP: Promise<ExistingIndex>,
  delta: boolean,
): Promise<
  { units: PassResult<OfmOrgUnit>; unitIndex: ExistingIndex; users: PassResult<OfmUser> }
> {
  const { deps, record: { stats } } = run;
  const log = deps.logger;
  log.info("📥 Fetching organizational units...");
  // The org unit index, like the user index, is read while the first page is on its way.
  const unitIndexP = delta ? deps.store.deltaOrgUnitIndex() : deps.store.orgUnitIndex();
  let listed = false;
  let onListed!: () => void;
  const unitsListed = new Promise<void>((resolve) => (onListed = resolve));
  const unitsP = resourcePass(orgUnitSpec(deps.store, run.source, run.origin), unitIndexP, {
    ...ctx("orgUnits"),
    onListed: () => {
      listed = true;
      onListed();
    },
  });
  // Either the last org unit page is in, or the pass has failed (thrown below, with no user listed).
  await Promise.race([unitsListed, unitsP.then(() => {}, () => {})]);
  const overlap = createPassOverlap(run.signal);
  const usersP = listed ? startUserPass(run, ctx("users"), userIndexP, delta, overlap) : null;
  // Awaited below once the org units are written; a failure there leaves it unawaited.
  usersP?.catch(() => {});
  let units: PassResult<OfmOrgUnit>;
  try {
    units = await unitsP;
  } catch (e) {
    overlap.abort(e);
    throw e;
  }
  const unitIndex = await unitIndexP;
  log.info(`📥 Fetched ${stats.orgUnitsFetched} organizational units`);

  log.info("📥 Fetching users...");
  overlap.release();
  return {
    units,
    unitIndex,
    users: await (usersP ?? startUserPass(run, ctx("users"), userIndexP, delta, overlap)),
  };
}

/** The user pass behind the org units: its index, progress and listing gated by `overlap`. */
function startUserPass(
  run: RunContext,
  userCtx: PassContext,
  userIndexP: Promise<ExistingIndex>,
  delta: boolean,
  overlap: PassOverlap,
): Promise<PassResult<OfmUser>> {
  const { deps } = run;
  return resourcePass(
    {
      ...userSpec(deps.store, run.source, deps.userHashFields, run.origin),
      ...matcher(deps.identity, deps.matchOn, userIndexP, run.source, run.origin, delta),
    },
    overlap.after(userIndexP),
    {
      ...userCtx,
      list: { ...userCtx.list, signal: overlap.signal },
      onPage: overlap.onPage(userCtx.onPage),
    },
  );
}

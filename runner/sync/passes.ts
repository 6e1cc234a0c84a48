/**
 * The listing part of a run: connect (ServiceProviderConfig), then the org
 * unit pass, then the user pass (resource-pass.ts), creates and updates
 * written behind the fetching. The user index is read while org units are
 * listed, and the user pass starts reading pages before it is there. Deactivations are left for deactivations.ts.
 *
 * @module
 */
import { mapGroup, mapUser } from "../../shared/mapping.ts";
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { ServiceProviderConfig } from "../../shared/scim-schemas.ts";
import { contentHash, orgUnitHashFields } from "../content-hash.ts";
import type { ExistingIndex } from "../documents/changes.ts";
import type { ChangeOrigin, SyncSource, SyncStorePort } from "./ports.ts";
import { type PassResult, resourcePass, type ResourceSpec } from "./resource-pass.ts";
import type { RunContext } from "./run-context.ts";
import { createWriteQueue, type WriteQueue } from "./write-queue.ts";

/** What the passes leave for the deactivation step. */
export interface Passes {
  units: PassResult<OfmOrgUnit>;
  users: PassResult<OfmUser>;
  unitIndex: ExistingIndex & { countActive?(): number };
  userIndex: ExistingIndex & { countActive?(): number };
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
  const userIndexP = deps.store.userIndex(deps.afterPage);
  userIndexP.catch(() => {});
  const ctx = (phase: "orgUnits" | "users") => ({
    client: deps.client,
    write,
    stats,
    list,
    afterPage: deps.afterPage,
    onPage: (p: { fetched: number; totalResults: number; pageNo: number }) =>
      run.progress({ phase, fetched: p.fetched, total: p.totalResults, pageNo: p.pageNo }),
  });

  log.info("📥 Fetching organizational units...");
  const unitIndex = await deps.store.orgUnitIndex();
  const units = await resourcePass(
    orgUnitSpec(deps.store, run.source, run.origin),
    unitIndex,
    ctx("orgUnits"),
  );
  log.info(`📥 Fetched ${stats.orgUnitsFetched} organizational units`);

  log.info("📥 Fetching users...");
  // The index may still be on its way: the pass reads ahead meanwhile.
  const users = await resourcePass(
    userSpec(deps.store, run.source, deps.userHashFields, run.origin),
    userIndexP,
    ctx("users"),
  );
  const userIndex = await userIndexP;
  log.info(`📥 Fetched ${stats.usersFetched} users`);

  run.plan.orgUnits.create.push(...units.created);
  run.plan.orgUnits.update.push(...units.updated);
  run.plan.users.create.push(...users.created);
  run.plan.users.update.push(...users.updated);
  return { units, users, unitIndex, userIndex, write };
}

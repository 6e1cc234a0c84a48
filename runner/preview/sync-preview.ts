/**
 * The preview of a full sync: the engine's dry run (nothing written, no
 * history), turned into one plain-JSON plan — counts and the first names of
 * what would be created, updated and deactivated, and the guard's verdict
 * with its figures. The page, `POST /api/v1/scim/sync/preview` and
 * `npm run sync -- --dry-run --json` all print what {@linkcode previewSync}
 * returns, so the three never drift apart.
 *
 * @module
 */
import { z } from "zod";
import { mapGroup, mapUser } from "../../shared/mapping.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import { type DryRunPlan, emptyPlan, type GuardFigures } from "../sync/run-context.ts";

/** One resource as a preview list shows it. */
export const PreviewEntry = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
});
export type PreviewEntry = z.infer<typeof PreviewEntry>;

/** One list of a preview: its full count and the first entries by name. */
export const PreviewList = z.object({ count: z.int().nonnegative(), first: z.array(PreviewEntry) });
export type PreviewList = z.infer<typeof PreviewList>;

/** The lists of one resource type. */
export const PreviewKind = z.object({
  fetched: z.int().nonnegative(),
  unchanged: z.int().nonnegative(),
  create: PreviewList,
  update: PreviewList,
  deactivate: PreviewList,
  /** Users only: existing OFM accounts (no SSO id) that would get this SSO id (matching). */
  link: PreviewList.optional(),
  /**
   * Users only: creates an account the sync owns matches — relinked if its SSO id left
   * the directory (a rehire), else a conflict; decided when the run writes.
   */
  match: PreviewList.optional(),
});
export type PreviewKind = z.infer<typeof PreviewKind>;

/** The guard's figures for one resource type (run-context.ts `GuardFigures`). */
const PreviewGuardFigures = z.object({
  proposed: z.number(),
  inWindow: z.number(),
  baseline: z.number(),
  allowed: z.number(),
  ok: z.boolean(),
}) satisfies z.ZodType<GuardFigures>;

/**
 * What a full sync would do now: the JSON of `POST /api/v1/scim/sync/preview`
 * and `npm run sync -- --dry-run --json` (and the OpenAPI document's schema of it).
 */
export const SyncPreview = z.object({
  kind: z.literal("sync-preview"),
  generatedAt: z.iso.datetime(),
  durationMs: z.number().nullable(),
  /**
   * The dry run's outcome: `aborted` when the guard would refuse the run. The history
   * record's `SyncStatus` (buildPreview assigns one to the other, so tsc keeps them equal).
   */
  status: z.enum(["running", "success", "partial", "failed", "aborted", "interrupted"]),
  wouldAbort: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Whether the listings were proven complete (else nobody would be deactivated by absence). */
  complete: z.boolean().nullable(),
  incompleteReason: z.string().nullable(),
  guard: z.object({
    windowMs: z.number(),
    users: PreviewGuardFigures,
    orgUnits: PreviewGuardFigures,
  }).nullable(),
  users: PreviewKind,
  orgUnits: PreviewKind,
  errors: z.object({ count: z.int().nonnegative(), first: z.array(z.string()) }),
});
export type SyncPreview = z.infer<typeof SyncPreview>;

/** Names of the first ids of each list: stored ones from OFM, new ones from the SSO. */
export interface PreviewNames {
  users(
    ids: readonly string[],
  ): Promise<Map<string, { name: string | null; email: string | null }>>;
  orgUnits(
    ids: readonly string[],
  ): Promise<Map<string, { name: string | null; email: string | null }>>;
}

/** What {@linkcode previewSync} needs. */
export interface PreviewDeps {
  runSync(o: { type: "full"; dryRun: true }): Promise<{
    history: SyncHistoryRecord;
    plan?: DryRunPlan;
  }>;
  names: PreviewNames;
  /** The SCIM client's GET, for the names of resources not yet in OFM. */
  scim: { get(path: string): Promise<unknown> };
  now: () => Date;
}

/** Entries shown per list. */
export const PREVIEW_SHOWN = 10;

type Named = Map<string, { name: string | null; email: string | null }>;

function list(ids: readonly string[], names: Named, shown: number): PreviewList {
  return {
    count: ids.length,
    first: ids.slice(0, shown).map((id) => ({
      id,
      name: names.get(id)?.name ?? null,
      email: names.get(id)?.email ?? null,
    })),
  };
}

/**
 * The preview from a dry run's record and plan (pure).
 *
 * @example
 * ```ts
 * const p = buildPreview(result.history, result.plan, { users: names, orgUnits: unitNames }, new Date());
 * p.users.create.count; p.wouldAbort;
 * ```
 */
export function buildPreview(
  history: SyncHistoryRecord,
  plan: DryRunPlan | undefined,
  names: { users: Named; orgUnits: Named },
  generatedAt: Date,
  shown = PREVIEW_SHOWN,
): SyncPreview {
  const p: DryRunPlan = plan ?? emptyPlan();
  const s = history.stats;
  const kind = (k: "users" | "orgUnits"): PreviewKind => ({
    fetched: s[`${k}Fetched`],
    unchanged: s[`${k}Unchanged`],
    create: list(p[k].create, names[k], shown),
    update: list(p[k].update, names[k], shown),
    deactivate: list(p[k].deactivate, names[k], shown),
    ...(k === "users"
      ? {
        link: list(p.users.link, names.users, shown),
        match: list(p.users.match, names.users, shown),
      }
      : {}),
  });
  return {
    kind: "sync-preview",
    generatedAt: generatedAt.toISOString(),
    durationMs: history.durationMs ?? null,
    status: history.status,
    wouldAbort: history.error?.code === "GUARD_ABORTED",
    error: history.error ?? null,
    complete: history.complete ?? null,
    incompleteReason: history.incompleteReason ?? null,
    guard: p.guard ?? null,
    users: kind("users"),
    orgUnits: kind("orgUnits"),
    errors: { count: s.errors.length, first: s.errors.slice(0, shown).map((e) => e.message) },
  };
}

/** Names of the first `shown` of each list: OFM for stored ones, the SSO for creates. */
async function namesFor(deps: PreviewDeps, plan: DryRunPlan, shown: number) {
  const head = (ids: string[]) => ids.slice(0, shown);
  const [users, orgUnits] = await Promise.all([
    deps.names.users([...head(plan.users.update), ...head(plan.users.deactivate)]),
    deps.names.orgUnits([...head(plan.orgUnits.update), ...head(plan.orgUnits.deactivate)]),
  ]);
  const fetchNew = async (ids: string[], path: "Users" | "Groups", into: Named) => {
    await Promise.all(ids.map(async (id) => {
      const raw = await deps.scim.get(`/${path}/${encodeURIComponent(id)}`).catch(() => null);
      if (path === "Users") {
        const r = mapUser(raw);
        if (r.ok) {
          const name = [r.value.firstName, r.value.lastName].filter(Boolean).join(" ") || null;
          into.set(id, { name, email: r.value.email });
        }
      } else {
        const r = mapGroup(raw);
        if (r.ok) into.set(id, { name: r.value.unitName, email: null });
      }
    }));
  };
  await fetchNew(
    [...head(plan.users.create), ...head(plan.users.link), ...head(plan.users.match)],
    "Users",
    users,
  );
  await fetchNew(head(plan.orgUnits.create), "Groups", orgUnits);
  return { users, orgUnits };
}

/**
 * Runs the dry run and builds the preview. Never writes: the engine's dry run
 * records no history and queues no writes; names are read, not written.
 *
 * @example
 * ```ts
 * const preview = await previewSync({ runSync, names, scim: client, now: () => new Date() });
 * console.log(JSON.stringify(preview));
 * ```
 */
export async function previewSync(deps: PreviewDeps, shown = PREVIEW_SHOWN): Promise<SyncPreview> {
  const result = await deps.runSync({ type: "full", dryRun: true });
  const names = result.plan
    ? await namesFor(deps, result.plan, shown)
    : { users: new Map(), orgUnits: new Map() };
  return buildPreview(result.history, result.plan, names, deps.now(), shown);
}

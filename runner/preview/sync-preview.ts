/**
 * The preview of a full sync: the engine's dry run (nothing written, no
 * history), turned into one plain-JSON plan — every person and org unit that
 * would be created, updated or deactivated, by name, and for an update the
 * fields that would change, old → new (the stored values against the
 * directory's, as the dry run mapped them) — with the guard's verdict and its
 * figures. The page (the first 50 of each list, "show all", JSON and CSV
 * downloads), `POST /api/v1/scim/sync/preview` and
 * `npm run sync -- --dry-run --json` all print what {@linkcode previewSync}
 * returns, so they never drift apart.
 *
 * @module
 */
import { z } from "zod";
import { HeldReason } from "../documents/held-item.ts";
import { ORG_UNIT_SYNC_FIELDS, USER_SYNC_FIELDS } from "../../shared/ofm-documents.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import { type DryRunPlan, emptyPlan, type GuardFigures } from "../sync/run-context.ts";
import { type Entries, type Kind, planEntries, type StoredReads } from "./preview-entries.ts";

/** One field that would change. */
export const PreviewChange = z.object({ field: z.string(), old: z.unknown(), new: z.unknown() });
export type PreviewChange = z.infer<typeof PreviewChange>;

/**
 * One resource as a preview list shows it; `changes` on updates (and deactivations);
 * `reason` on deactivations: absent from the complete listing, or `active: false` in the SSO.
 */
export const PreviewEntry = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  changes: z.array(PreviewChange).optional(),
  reason: HeldReason.optional(),
});
export type PreviewEntry = z.infer<typeof PreviewEntry>;

/** One list of a preview: its full count and its entries (all of them, or the first few). */
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
  /** Org unit names by id, for the ids the changes name (department, company, parent …). */
  names: z.record(z.string(), z.string()),
  /**
   * People and org units an operator rejected before, absent or inactive again: the run
   * would not deactivate them but hold them for a new decision (Held deactivations).
   */
  waiting: z.object({ users: z.int().nonnegative(), orgUnits: z.int().nonnegative() }).optional(),
  errors: z.object({ count: z.int().nonnegative(), first: z.array(z.string()) }),
});
export type SyncPreview = z.infer<typeof SyncPreview>;

/** What {@linkcode previewSync} needs. */
export interface PreviewDeps {
  runSync(o: { type: "full"; dryRun: true }): Promise<{
    history: SyncHistoryRecord;
    plan?: DryRunPlan;
  }>;
  /** Stored values by id (store/stored-fields.ts). */
  stored: StoredReads;
  /** The user fields an update writes (the guide's minus SYNC_EXCLUDE_FIELDS). */
  userFields?: readonly string[];
  now: () => Date;
}

/** Entries the page shows per list before "show all"; the JSON API's default too. */
export const PREVIEW_SHOWN = 50;

/**
 * The preview from a dry run's record and its lists of entries (pure).
 *
 * @example
 * ```ts
 * const p = buildPreview(result.history, result.plan, entries, names, new Date());
 * p.users.update.first[0].changes; // [{ field: "departmentId", old: "D-1", new: "D-2" }]
 * ```
 */
export function buildPreview(
  history: SyncHistoryRecord,
  plan: DryRunPlan | undefined,
  entries: Entries,
  names: Record<string, string>,
  generatedAt: Date,
): SyncPreview {
  const s = history.stats;
  const kind = (k: Kind): PreviewKind => ({
    fetched: s[`${k}Fetched`],
    unchanged: s[`${k}Unchanged`],
    create: { count: entries[k].create.length, first: entries[k].create },
    update: { count: entries[k].update.length, first: entries[k].update },
    deactivate: { count: entries[k].deactivate.length, first: entries[k].deactivate },
    ...(k === "users"
      ? {
        link: { count: entries.users.link.length, first: entries.users.link },
        match: { count: entries.users.match.length, first: entries.users.match },
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
    guard: (plan ?? emptyPlan()).guard ?? null,
    users: kind("users"),
    orgUnits: kind("orgUnits"),
    names,
    ...(plan?.waiting
      ? {
        waiting: { users: plan.waiting.users.length, orgUnits: plan.waiting.orgUnits.length },
      }
      : {}),
    errors: {
      count: s.errors.length,
      first: s.errors.slice(0, PREVIEW_SHOWN).map((e) => e.message),
    },
  };
}

/**
 * The plan with at most `n` entries per list (the counts stay whole): what the
 * page shows before "show all", and the JSON API's default (pure).
 *
 * @example
 * ```ts
 * limitPreview(plan, 50).users.update.first.length; // ≤ 50
 * ```
 */
export function limitPreview(p: SyncPreview, n: number): SyncPreview {
  const cut = (k: PreviewKind): PreviewKind => ({
    ...k,
    create: { ...k.create, first: k.create.first.slice(0, n) },
    update: { ...k.update, first: k.update.first.slice(0, n) },
    deactivate: { ...k.deactivate, first: k.deactivate.first.slice(0, n) },
    ...(k.link ? { link: { ...k.link, first: k.link.first.slice(0, n) } } : {}),
    ...(k.match ? { match: { ...k.match, first: k.match.first.slice(0, n) } } : {}),
  });
  return { ...p, users: cut(p.users), orgUnits: cut(p.orgUnits) };
}

/**
 * Runs the dry run and builds the whole plan. Never writes: the engine's dry
 * run records no history and queues no writes; stored values are read, not written.
 *
 * @example
 * ```ts
 * const preview = await previewSync({ runSync, stored, now: () => new Date() });
 * console.log(JSON.stringify(limitPreview(preview, 50)));
 * ```
 */
export async function previewSync(deps: PreviewDeps): Promise<SyncPreview> {
  const result = await deps.runSync({ type: "full", dryRun: true });
  const plan = result.plan ?? emptyPlan();
  const fields = {
    users: deps.userFields ?? USER_SYNC_FIELDS,
    orgUnits: ORG_UNIT_SYNC_FIELDS as readonly string[],
  };
  const { entries, names } = await planEntries(plan, deps.stored, fields);
  return buildPreview(result.history, result.plan, entries, names, deps.now());
}

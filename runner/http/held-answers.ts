/**
 * The held deactivations' HTTP contract as zod schemas: the query of the
 * list, the bodies of the decisions (JSON for the API, form fields for the
 * page), and the answers. The routes (held-routes.tsx) parse with them and
 * the OpenAPI document (openapi-held.ts) is generated from them.
 *
 * @module
 */
import { z } from "zod";
import { type HeldItem, HeldReason, HeldStatus, REASON_TEXT } from "../documents/held-item.ts";
import type { HeldReport } from "../held/decisions.ts";

/** Items per page, on the page and in the API. */
export const HELD_PAGE_SIZE = 50;

/** Digits only (an empty or signed value is refused, not read as 0). */
const PageNo = z.string().regex(/^\d{1,6}$/).transform(Number).pipe(z.int().min(1));

/** `GET /api/v1/scim/held?page=&status=` and the page's `?page=`. */
export const HeldListQuery = z.object({
  page: PageNo.default(1),
  status: HeldStatus.default("held"),
});

/** The keys of a decision: an item id (`User:<id>`), an SSO id or an email. */
const Keys = z.array(z.string().trim().min(1).max(320)).min(1).max(10_000);

/**
 * `POST /api/v1/scim/held/apply` and `/reject`: `{ ids }`, or `{ all: true, count }`
 * where `count` is the number of held items the caller confirms (the list's `total`).
 */
export const HeldDecisionBody = z.union([
  z.strictObject({ ids: Keys, by: z.string().trim().min(1).max(100).optional() }),
  z.strictObject({
    all: z.literal(true),
    count: z.int().nonnegative(),
    by: z.string().trim().min(1).max(100).optional(),
  }),
]);
export type HeldDecisionBody = z.infer<typeof HeldDecisionBody>;

/** The page's forms: which button, which rows (checkboxes), and the total it showed. */
export const HeldForm = z.object({
  /** A row's own button: `apply:<id>` or `reject:<id>`. */
  one: z.string().regex(/^(apply|reject):.{1,330}$/).optional(),
  /** The selection's buttons. */
  action: z.enum(["apply", "reject"]).optional(),
  /** "Approve all" / "Reject all". */
  all: z.enum(["apply", "reject"]).optional(),
  ids: z.union([z.string(), z.array(z.string())]).optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  count: z.string().regex(/^\d{1,7}$/).transform(Number).optional(),
  /** The page to return to. */
  page: z.string().regex(/^\d{1,6}$/).transform(Number).optional(),
});
export type HeldForm = z.infer<typeof HeldForm>;

const Stamp = z.iso.datetime();
const Decision = z.object({
  status: HeldStatus,
  by: z.string(),
  at: Stamp,
  outcome: z.string(),
});

/** One held item as the API shows it. */
export const HeldItemAnswer = z.object({
  id: z.string(),
  resourceType: z.enum(["User", "Group"]),
  resourceId: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  departmentId: z.string().nullable(),
  departmentName: z.string().nullable(),
  reason: HeldReason,
  reasonText: z.string(),
  since: Stamp,
  heldAt: Stamp,
  source: z.union([
    z.object({ kind: z.literal("sync"), historyId: z.string() }),
    z.object({ kind: z.literal("webhook"), eventId: z.string() }),
  ]),
  eventIds: z.array(z.string()),
  status: HeldStatus,
  decision: Decision.nullable(),
  previous: Decision.nullable(),
});
export type HeldItemAnswer = z.infer<typeof HeldItemAnswer>;

/** 200 of `GET /api/v1/scim/held`. */
export const HeldListAnswer = z.object({
  status: HeldStatus,
  total: z.int().nonnegative(),
  page: z.int().min(1),
  pageSize: z.int().min(1),
  pages: z.int().nonnegative(),
  items: z.array(HeldItemAnswer),
});
export type HeldListAnswer = z.infer<typeof HeldListAnswer>;

/** 200 of the decisions. */
export const HeldDecisionAnswer = z.object({
  action: z.enum(["apply", "reject"]),
  deactivated: z.int().nonnegative(),
  notApplied: z.int().nonnegative(),
  rejected: z.int().nonnegative(),
  /** Keys that matched no held item (decided meanwhile, or never held). */
  unmatched: z.array(z.string()),
  results: z.array(z.object({
    id: z.string(),
    resourceType: z.enum(["User", "Group"]),
    resourceId: z.string(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    outcome: z.enum(["deactivated", "present", "unknown", "failed", "rejected"]),
    status: HeldStatus,
    message: z.string(),
  })),
});
export type HeldDecisionAnswer = z.infer<typeof HeldDecisionAnswer>;

/** 409 of an "all" decision whose count is not the number held now. */
export const HeldCountChanged = z.object({ error: z.string(), total: z.int().nonnegative() });

const iso = (d: Date) => d.toISOString();
const decisionJson = (d: HeldItem["decision"]) => (d ? { ...d, at: iso(d.at) } : null);

/**
 * A stored item (with its department's name) as the API answers it.
 *
 * @example
 * ```ts
 * heldItemJson({ ...item, departmentName: "Finance" }).reasonText; // "absent from a complete listing of the SSO"
 * ```
 */
export function heldItemJson(i: HeldItem & { departmentName: string | null }): HeldItemAnswer {
  return {
    id: i._id,
    resourceType: i.resourceType,
    resourceId: i.resourceId,
    name: i.name,
    email: i.email,
    departmentId: i.departmentId,
    departmentName: i.departmentName,
    reason: i.reason,
    reasonText: REASON_TEXT[i.reason],
    since: iso(i.since),
    heldAt: iso(i.heldAt),
    source: i.source,
    eventIds: i.eventIds,
    status: i.status,
    decision: decisionJson(i.decision),
    previous: decisionJson(i.previous),
  };
}

/**
 * A decision's report as the API answers it.
 *
 * @example
 * ```ts
 * heldDecisionJson("apply", await decisions.approve({ all: true }, "API")).deactivated;
 * ```
 */
export function heldDecisionJson(action: "apply" | "reject", r: HeldReport): HeldDecisionAnswer {
  return {
    action,
    deactivated: r.deactivated,
    notApplied: r.notApplied,
    rejected: r.rejected,
    unmatched: r.unmatched,
    results: r.results,
  };
}

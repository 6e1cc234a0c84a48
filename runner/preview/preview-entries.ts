/**
 * A dry run's plan as the preview's entries: each id with its name and email
 * (the directory's for a create, OFM's otherwise) and, for an update or a
 * deactivating update, the fields that would change, old (stored) → new (the
 * directory's, as mapped). The stored values are read in one projected pass
 * per resource type; the org units the changes point to are named.
 *
 * @module
 */
import type { DryRunPlan } from "../sync/run-context.ts";
import { heldId } from "../documents/held-item.ts";
import type { PreviewChange, PreviewEntry } from "./sync-preview.ts";

/** A resource type of the plan. */
export type Kind = "users" | "orgUnits";
type Action = "create" | "update" | "deactivate";

/** Every entry of a plan, by type and action (users also by matching: `link`, `match`). */
export type Entries =
  & Record<Kind, Record<Action, PreviewEntry[]>>
  & { users: Record<"link" | "match", PreviewEntry[]> };
type Doc = Readonly<Record<string, unknown>>;

/** Stored values by id (store/stored-fields.ts). */
export interface StoredReads {
  users(ids: readonly string[], fields: readonly string[]): Promise<Map<string, Doc>>;
  orgUnits(ids: readonly string[], fields: readonly string[]): Promise<Map<string, Doc>>;
}

/** Fields that hold the id of an org unit, whose names the preview shows. */
const UNIT_REFS = ["departmentId", "companyId", "positionId", "parentUnitId"];
const NAME_FIELDS = { users: ["email", "firstName", "lastName"], orgUnits: ["unitName"] };

const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);

/**
 * The fields whose values differ between the stored and the new document (pure).
 *
 * @example
 * ```ts
 * fieldChanges({ departmentId: "D-1" }, { departmentId: "D-2" }, ["departmentId"]);
 * // [{ field: "departmentId", old: "D-1", new: "D-2" }]
 * ```
 */
export function fieldChanges(
  old: Doc | undefined,
  next: Doc | undefined,
  fields: readonly string[],
): PreviewChange[] {
  if (!next) return [];
  return fields.filter((f) => !same(old?.[f], next[f]))
    .map((f) => ({ field: f, old: old?.[f] ?? null, new: next[f] ?? null }));
}

function nameOf(kind: Kind, d: Doc | undefined): { name: string | null; email: string | null } {
  if (!d) return { name: null, email: null };
  if (kind === "orgUnits") return { name: (d.unitName as string | undefined) ?? null, email: null };
  const name = [d.firstName, d.lastName].filter(Boolean).join(" ") || null;
  return { name, email: (d.email as string | undefined) ?? null };
}

/**
 * Every entry of the plan, and the names of the org units its changes name.
 *
 * @example
 * ```ts
 * const { entries, names } = await planEntries(plan, stored, { users: fields, orgUnits });
 * entries.users.update[0]; // { id, name, email, changes: [...] }
 * ```
 */
export async function planEntries(
  plan: DryRunPlan,
  stored: StoredReads,
  fields: Record<Kind, readonly string[]>,
): Promise<{ entries: Entries; names: Record<string, string> }> {
  const read = (kind: Kind) => {
    const ids = [...plan[kind].update, ...plan[kind].deactivate];
    return stored[kind](ids, [...new Set([...fields[kind], ...NAME_FIELDS[kind]])]);
  };
  const [users, orgUnits] = await Promise.all([read("users"), read("orgUnits")]);
  const olds = { users, orgUnits };
  const docs = plan.docs ?? { users: new Map(), orgUnits: new Map() };
  const entries = {} as Entries;
  for (const kind of ["users", "orgUnits"] as const) {
    const news = docs[kind] as Map<string, Doc>;
    const entry = (id: string, withChanges: boolean): PreviewEntry => {
      const old = olds[kind].get(id);
      const next = news.get(id);
      const base = { id, ...nameOf(kind, old ?? next) };
      return withChanges ? { ...base, changes: fieldChanges(old, next, fields[kind]) } : base;
    };
    const newOnly = (id: string) => ({ id, ...nameOf(kind, news.get(id)) });
    const lists = {
      create: plan[kind].create.map(newOnly),
      update: plan[kind].update.map((id) => entry(id, true)),
      deactivate: plan[kind].deactivate.map((id) => {
        const reason = plan.reasons?.[heldId(kind === "users" ? "User" : "Group", id)];
        return { ...entry(id, news.has(id)), ...(reason ? { reason } : {}) };
      }),
    };
    // Users only: accounts matching would link, and creates an owned account matches.
    if (kind === "users") {
      entries.users = {
        ...lists,
        link: plan.users.link.map(newOnly),
        match: plan.users.match.map(newOnly),
      };
    } else entries.orgUnits = lists;
  }
  return { entries, names: await unitNames(entries, stored) };
}

/** Names of the org units the changes point to (one read). */
async function unitNames(
  entries: Entries,
  stored: StoredReads,
): Promise<Record<string, string>> {
  const ids = new Set<string>();
  for (const kind of ["users", "orgUnits"] as const) {
    for (const e of [...entries[kind].update, ...entries[kind].deactivate]) {
      for (const c of e.changes ?? []) {
        if (!UNIT_REFS.includes(c.field)) continue;
        for (const v of [c.old, c.new]) if (typeof v === "string" && v) ids.add(v);
      }
    }
  }
  if (ids.size === 0) return {};
  const found = await stored.orgUnits([...ids], ["unitName"]);
  const out: Record<string, string> = {};
  for (const [id, d] of found) if (typeof d.unitName === "string") out[id] = d.unitName;
  return out;
}

/**
 * Approving items a sync held: each resource is asked of the directory first
 * (presence.ts). Gone (a SCIM 404) → deactivated; inactive in the SSO → the
 * directory's record written, inactive; present and active → not applied,
 * cleared (nothing is left to decide); no answer → not applied, still held.
 * The writes take one forced reservation from the gate (an operator's
 * approval: recorded, not counted) and name the approval in the change log
 * (`held_approval`, with the run that held them).
 *
 * @module
 */
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import { contentHash, orgUnitHashFields } from "../content-hash.ts";
import type { Change, ExistingEntry, WriteOutcome } from "../documents/changes.ts";
import type { HeldItem } from "../documents/held-item.ts";
import type { DeactivationGate } from "../gate/gate.ts";
import type { SyncWriter } from "../sync/ports.ts";
import type { HeldPresence, PresenceOf } from "./presence.ts";
import { pushAll } from "../push-all.ts";

/** What approving sync-held items needs. */
export interface ApproveDeps {
  presence: PresenceOf;
  writer: Pick<
    SyncWriter,
    "deactivateUsers" | "updateUsers" | "deactivateOrgUnits" | "updateOrgUnits"
  >;
  gate: Pick<DeactivationGate, "reserve">;
  /** The user fields a sync hashes (the guide's minus SYNC_EXCLUDE_FIELDS). */
  userHashFields: readonly string[];
  /** Directory look-ups at once. @default 4 */
  concurrency?: number;
}

/** What approving one item did. */
export interface ItemOutcome {
  item: HeldItem;
  /** deactivated; present (active in the SSO: not applied); unknown (no answer: still held); failed. */
  outcome: "deactivated" | "present" | "unknown" | "failed";
  message: string;
}

type Write =
  | { item: HeldItem; kind: "deactivate"; entry: ExistingEntry }
  | { item: HeldItem; kind: "update"; user?: Change<OfmUser>; unit?: Change<OfmOrgUnit> };

/**
 * Asks the directory about each item, then writes what it confirmed, past the gate.
 *
 * @example
 * ```ts
 * const outcomes = await approveSyncHeld(deps, items, "sync page");
 * outcomes.filter((o) => o.outcome === "deactivated").length;
 * ```
 */
export async function approveSyncHeld(
  deps: ApproveDeps,
  items: readonly HeldItem[],
  by: string,
): Promise<ItemOutcome[]> {
  const answers = await mapLimited(
    items,
    deps.concurrency ?? 4,
    (i) => deps.presence(i.resourceType, i.resourceId),
  );
  const out: ItemOutcome[] = [];
  const writes: Write[] = [];
  items.forEach((item, i) => {
    const w = writeFor(deps, item, answers[i]!);
    if ("outcome" in w) out.push(w);
    else writes.push(w);
  });
  for (const type of ["User", "Group"] as const) {
    const mine = writes.filter((w) => w.item.resourceType === type);
    if (mine.length > 0) pushAll(out, await writeApproved(deps, type, mine, by));
  }
  return out;
}

/** What the directory's answer means for one item: a write, or an outcome without one. */
function writeFor(deps: ApproveDeps, item: HeldItem, p: HeldPresence): Write | ItemOutcome {
  if (p.kind === "unknown") {
    return {
      item,
      outcome: "unknown",
      message: `not applied: the SSO could not say (${p.reason}); still held, try again`,
    };
  }
  if (p.kind === "gone") {
    return {
      item,
      kind: "deactivate",
      entry: { key: item.resourceId, syncHash: "", isActive: true },
    };
  }
  if (p.active) {
    return {
      item,
      outcome: "present",
      message: "not applied: the SSO has them, active; nothing left to decide",
    };
  }
  if (p.user) {
    const hash = contentHash(p.user, deps.userHashFields);
    return { item, kind: "update", user: { kind: "update", doc: p.user, hash, deactivates: true } };
  }
  const unit = p.unit!;
  const hash = contentHash(unit, orgUnitHashFields);
  return { item, kind: "update", unit: { kind: "update", doc: unit, hash, deactivates: true } };
}

/** The writes of one resource type, grouped by the run that held them, under one reservation. */
async function writeApproved(
  deps: ApproveDeps,
  type: "User" | "Group",
  writes: readonly Write[],
  by: string,
): Promise<ItemOutcome[]> {
  const ticket = await deps.gate.reserve({
    kind: type === "User" ? "users" : "orgUnits",
    n: writes.length,
    by: `approval:${by}`,
    forced: true,
  });
  if (!ticket.granted) throw new Error("the gate refused a forced reservation"); // never: forced passes
  let written = 0;
  const failed = new Map<string, string>();
  try {
    for (const [historyId, group] of byHistory(writes)) {
      const origin = { kind: "held_approval", historyId, by } as const;
      for (const r of await writeGroup(deps, type, group, origin)) {
        written += r.written;
        for (const e of r.errors) failed.set(e.resourceId ?? "", e.message);
        for (const x of r.refused) failed.set(keyOfChange(x.change), x.message);
      }
    }
  } finally {
    await ticket.settle(written);
  }
  return writes.map((w) => {
    const error = failed.get(w.item.resourceId);
    return error === undefined
      ? {
        item: w.item,
        outcome: "deactivated",
        message: w.kind === "deactivate"
          ? "deactivated: gone from the SSO"
          : "deactivated: inactive in the SSO",
      }
      : { item: w.item, outcome: "failed", message: `not applied: ${error}; still held` };
  });
}

const keyOfChange = (c: Change<unknown>) => {
  const d = c.doc as { ssoUserId?: string; _id?: string };
  return d.ssoUserId ?? d._id ?? "";
};

function byHistory(writes: readonly Write[]): Map<string, Write[]> {
  const out = new Map<string, Write[]>();
  for (const w of writes) {
    const id = w.item.source.kind === "sync" ? w.item.source.historyId : w.item.source.eventId;
    out.set(id, [...(out.get(id) ?? []), w]);
  }
  return out;
}

async function writeGroup(
  deps: ApproveDeps,
  type: "User" | "Group",
  group: readonly Write[],
  origin: { kind: "held_approval"; historyId: string; by: string },
): Promise<WriteOutcome<unknown>[]> {
  const entries = group.flatMap((w) => (w.kind === "deactivate" ? [w.entry] : []));
  const w = deps.writer;
  if (type === "User") {
    const updates = group.flatMap((x) => (x.kind === "update" && x.user ? [x.user] : []));
    return [
      await w.deactivateUsers(entries, "on_demand_sync", origin),
      await w.updateUsers(updates, "on_demand_sync", origin),
    ];
  }
  const updates = group.flatMap((x) => (x.kind === "update" && x.unit ? [x.unit] : []));
  return [
    await w.deactivateOrgUnits(entries, "on_demand_sync", origin),
    await w.updateOrgUnits(updates, "on_demand_sync", origin),
  ];
}

/** `fn` over `xs`, at most `limit` at once, answers in order. */
async function mapLimited<T, R>(
  xs: readonly T[],
  limit: number,
  fn: (x: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  const worker = async () => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await fn(xs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, worker));
  return out;
}

// The deactivation step's pure decisions: the listing proof, who is deactivated, and the guard.
import { describe, expect, test } from "bun:test";
import type { OfmOrgUnit, OfmUser } from "../../../shared/ofm-documents.ts";
import type { Change, ExistingEntry } from "../../../runner/documents/changes.ts";
import type { SyncHistoryRecord } from "../../../runner/documents/sync-history.ts";
import { PackedIndex } from "../../../runner/store/packed-index.ts";
import {
  activeCount,
  checkGuard,
  GuardAbortedError,
  planDeactivations,
  recordListingProof,
} from "../../../runner/sync/deactivations.ts";
import type { PassResult } from "../../../runner/sync/resource-pass.ts";
import { emptyStats } from "../../../runner/sync/sync-stats.ts";
import type { ListingEnd } from "../../../runner/scim/listing-proof.ts";

const proven = (resource: string): ListingEnd => ({
  resource,
  complete: true,
  reason: null,
  announced: 2,
  distinct: 2,
  pages: 2,
});
const unproven = (resource: string, reason: string): ListingEnd => ({
  resource,
  complete: false,
  reason,
  announced: 3,
  distinct: 2,
  pages: 2,
});

function record(): SyncHistoryRecord {
  return {
    type: "scim_full_sync",
    startedAt: new Date(0),
    completedAt: null,
    status: "running",
    stats: emptyStats(),
  };
}

const entry = (key: string, isActive = true): ExistingEntry => ({
  key,
  syncHash: `h-${key}`,
  isActive,
});

function pass<T>(seen: string[], held: Change<T>[] = [], listing = proven("x")): PassResult<T> {
  return { seen: new Set(seen), held, created: [], updated: [], listing };
}

const leaver = {
  kind: "update",
  doc: { ssoUserId: "u9", isActive: false } as OfmUser,
  hash: "h",
  deactivates: true,
} as const;

/** Users u1..u3 and org units g1, g2 stored, all active; the listing saw u1 and g1. */
function passes(listing = proven("Users"), held: Change<OfmUser>[] = []) {
  return {
    users: pass<OfmUser>(["u1"], held, listing),
    units: pass<OfmOrgUnit>(["g1"], [], proven("Groups")),
    userIndex: new Map(["u1", "u2", "u3"].map((k) => [k, entry(k)])),
    unitIndex: new Map(["g1", "g2"].map((k) => [k, entry(k)])),
  };
}

describe("recordListingProof()", () => {
  test("recordListingProof() marks the record complete when both listings are proven", () => {
    const r = record();
    expect(recordListingProof(r, [proven("Groups"), proven("Users")])).toBe(true);
    expect(r.complete).toBe(true);
    expect(r.incompleteReason).toBeUndefined();
  });

  test("recordListingProof() writes which listing is unproven and why when one is not", () => {
    const r = record();
    expect(
      recordListingProof(r, [proven("Groups"), unproven("Users", "only 2 distinct resources")]),
    ).toBe(false);
    expect(r.complete).toBe(false);
    expect(r.incompleteReason).toBe("Users: only 2 distinct resources");
  });
});

describe("planDeactivations()", () => {
  test("planDeactivations() deactivates the absent active documents when absence counts", () => {
    const plan = planDeactivations(passes(), true);
    expect(plan.users.absent.map((e) => e.key)).toEqual(["u2", "u3"]);
    expect(plan.orgUnits.absent.map((e) => e.key)).toEqual(["g2"]);
  });

  test("planDeactivations() deactivates nobody by absence when the listing is unproven, but keeps the SSO's own deactivations", () => {
    const plan = planDeactivations(passes(unproven("Users", "cut short"), [leaver]), false);
    expect(plan.users.absent).toEqual([]);
    expect(plan.orgUnits.absent).toEqual([]);
    expect(plan.users.held).toEqual([leaver]);
  });
});

describe("checkGuard()", () => {
  const limit = { kind: "count", value: 2 } as const;
  const none = { users: 0, orgUnits: 0 };

  test("checkGuard() passes a plan within the limit over the window", () => {
    const plan = planDeactivations(passes(), true);
    expect(() => checkGuard(plan, { users: 3, orgUnits: 2 }, none, { limit, windowMs: 86_400_000 }))
      .not.toThrow();
  });

  test("checkGuard() throws GuardAbortedError naming the window when the plan and the window pass the limit", () => {
    const plan = planDeactivations(passes(), true);
    let error: unknown;
    try {
      checkGuard(plan, { users: 3, orgUnits: 2 }, { users: 1, orgUnits: 0 }, {
        limit,
        windowMs: 86_400_000,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuardAbortedError);
    expect((error as GuardAbortedError).code).toBe("GUARD_ABORTED");
    expect((error as Error).message).toContain(
      "deactivate 2 users, and 1 were already deactivated in the last 1d (3 in all)",
    );
  });

  test("checkGuard() lets a forced run past the limit", () => {
    const plan = planDeactivations(passes(), true);
    const o = { limit: { kind: "count", value: 0 } as const, windowMs: 1000, force: true };
    expect(() => checkGuard(plan, { users: 3, orgUnits: 2 }, none, o)).not.toThrow();
  });
});

describe("activeCount()", () => {
  test("activeCount() counts active entries of a Map and of a packed index alike", () => {
    const map = new Map([["a", entry("a")], ["b", entry("b", false)], ["c", entry("c")]]);
    const packed = new PackedIndex();
    for (const [k, e] of map) packed.add(k, e.syncHash, e.isActive);
    expect(activeCount(map)).toBe(2);
    expect(activeCount(packed)).toBe(2);
  });
});

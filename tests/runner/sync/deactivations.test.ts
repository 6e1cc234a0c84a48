// The deactivation step's pure decisions: the listing proof, who is deactivated, and the guard.
import { describe, expect, test } from "bun:test";
import type { OfmOrgUnit, OfmUser } from "../../../shared/ofm-documents.ts";
import {
  type Change,
  type ExistingEntry,
  indexOfEntries,
} from "../../../runner/documents/changes.ts";
import type { SyncHistoryRecord } from "../../../runner/documents/sync-history.ts";
import { GuardAbortedError, guardFiguresOf } from "../../../runner/gate/guard-aborted.ts";
import { planDeactivations, recordListingProof } from "../../../runner/sync/deactivations.ts";
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
  return {
    seen: new Set(seen),
    held,
    created: [],
    linked: [],
    matched: [],
    updated: [],
    intents: [],
    listing,
  };
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
    userIndex: indexOfEntries(["u1", "u2", "u3"].map((k) => entry(k))),
    unitIndex: indexOfEntries(["g1", "g2"].map((k) => entry(k))),
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

  test("planDeactivations() never deactivates by absence an account relinked to a returning person", () => {
    const plan = planDeactivations(passes(), true, new Set(["u2"]));
    expect(plan.users.absent.map((e) => e.key)).toEqual(["u3"]);
  });
});

describe("GuardAbortedError", () => {
  test("GuardAbortedError names the window, the figures and what the operator can do", () => {
    const f = guardFiguresOf(2, {
      counted: 1,
      pending: 0,
      baseline: 4,
      allowed: 2,
      remaining: 1,
      windowMs: 86_400_000,
    });
    expect(f).toEqual({ proposed: 2, inWindow: 1, baseline: 4, allowed: 2, ok: false });
    const e = new GuardAbortedError("users", f, 86_400_000, "run again with --force");
    expect(e.code).toBe("GUARD_ABORTED");
    expect(e.message).toContain(
      "deactivate 2 users, and 1 were already deactivated in the last 1d (3 in all)",
    );
    expect(e.message).toContain("run again with --force");
  });
});

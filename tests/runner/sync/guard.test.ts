// The guard's pure decision over a window.
import { describe, expect, test } from "bun:test";
import {
  activeAtWindowStart,
  guardVerdict,
  windowDecision,
  windowStart,
} from "../../../runner/sync/guard.ts";

const pct20 = { kind: "percent", value: 20 } as const;

describe("guardVerdict()", () => {
  test("guardVerdict() passes the first 19% run of 240 users (45 ≤ 48)", () => {
    expect(
      guardVerdict({
        activeAtWindowStart: 240,
        deactivatedInWindow: 0,
        proposed: 45,
        limit: pct20,
      }),
    )
      .toEqual({ ok: true, allowed: 48, total: 45, remaining: 48 });
  });

  test("guardVerdict() refuses the second run when its deactivations and the window's pass the limit", () => {
    expect(
      guardVerdict({
        activeAtWindowStart: 240,
        deactivatedInWindow: 45,
        proposed: 37,
        limit: pct20,
      }),
    )
      .toEqual({ ok: false, allowed: 48, total: 82, remaining: 3 });
  });

  test("guardVerdict() allows exactly up to the limit and not one more", () => {
    const base = { activeAtWindowStart: 240, deactivatedInWindow: 45, limit: pct20 };
    expect(guardVerdict({ ...base, proposed: 3 }).ok).toBe(true);
    expect(guardVerdict({ ...base, proposed: 4 }).ok).toBe(false);
  });

  test("guardVerdict() never refuses a run that deactivates nobody, even over the limit", () => {
    expect(
      guardVerdict({ activeAtWindowStart: 10, deactivatedInWindow: 9, proposed: 0, limit: pct20 })
        .ok,
    ).toBe(true);
  });

  test("guardVerdict() holds a count limit over the window", () => {
    const limit = { kind: "count", value: 5 } as const;
    expect(
      guardVerdict({ activeAtWindowStart: 1000, deactivatedInWindow: 4, proposed: 1, limit }).ok,
    ).toBe(true);
    expect(
      guardVerdict({ activeAtWindowStart: 1000, deactivatedInWindow: 5, proposed: 1, limit }).ok,
    ).toBe(false);
  });

  test("guardVerdict() throws RangeError naming the field when a count is negative or fractional", () => {
    expect(() =>
      guardVerdict({ activeAtWindowStart: -1, deactivatedInWindow: 0, proposed: 0, limit: pct20 })
    )
      .toThrow(/activeAtWindowStart/);
    expect(() =>
      guardVerdict({ activeAtWindowStart: 1, deactivatedInWindow: 0.5, proposed: 0, limit: pct20 })
    )
      .toThrow(/deactivatedInWindow/);
  });
});

describe("activeAtWindowStart() and windowDecision()", () => {
  test("activeAtWindowStart() adds back what the window deactivated", () => {
    expect(activeAtWindowStart(195, 45)).toBe(240);
  });

  test("windowDecision() refuses one more deactivation once the window holds its limit", () => {
    const allows = windowDecision(pct20);
    // 100 at the window's start: 20 allowed.
    expect(allows({ activeNow: 81, deactivatedInWindow: 19, proposed: 1 })).toBe(true);
    expect(allows({ activeNow: 80, deactivatedInWindow: 20, proposed: 1 })).toBe(false);
  });

  test("windowStart() is now minus the window", () => {
    expect(windowStart(new Date("2025-10-19T12:00:00Z"), 86_400_000).toISOString()).toBe(
      "2025-10-18T12:00:00.000Z",
    );
  });
});

// The webhook side of the guard: the decision asked with the window's counts,
// one grant at a time.
import { describe, expect, test } from "bun:test";
import {
  createDeactivationGate,
  type DeactivationCounts,
} from "../../../runner/ingest/deactivation-gate.ts";

function counts(deactivated: number, active: number): DeactivationCounts & { asked: number } {
  const c = {
    asked: 0,
    deactivationsSince: () => {
      c.asked++;
      return Promise.resolve({ users: deactivated, orgUnits: 0 });
    },
    countActive: () => Promise.resolve(active),
  };
  return c;
}

describe("createDeactivationGate()", () => {
  test("reserve() asks the decision with the window's and the active counts and answers its verdict", async () => {
    const seen: unknown[] = [];
    const gate = createDeactivationGate(counts(2, 40), {
      windowMs: 1000,
      allows: (i) => {
        seen.push(i);
        return i.deactivatedInWindow + i.proposed <= 3;
      },
    }, () => new Date(5000));
    expect(await gate.reserve("User")).toBe(true);
    gate.release("User");
    expect(seen).toEqual([{
      resourceType: "User",
      activeNow: 40,
      deactivatedInWindow: 2,
      proposed: 1,
    }]);
  });
  test("reserve() makes a second ask wait until the first grant is released", async () => {
    const c = counts(0, 10);
    const gate = createDeactivationGate(
      c,
      { windowMs: 1000, allows: () => true },
      () => new Date(5000),
    );
    expect(await gate.reserve("User")).toBe(true);
    let second = false;
    const p = gate.reserve("User").then((ok) => (second = ok));
    await Promise.resolve();
    await Promise.resolve();
    expect(second).toBe(false);
    expect(c.asked).toBe(1);
    gate.release("User");
    await p;
    expect(second).toBe(true);
    expect(c.asked).toBe(2);
  });
  test("reserve() rejects when the counts cannot be read", async () => {
    const gate = createDeactivationGate(
      {
        deactivationsSince: () => Promise.reject(new Error("down")),
        countActive: () => Promise.resolve(1),
      },
      { windowMs: 1000, allows: () => true },
      () => new Date(5000),
    );
    await expect(gate.reserve("Group")).rejects.toThrow("down");
  });
});

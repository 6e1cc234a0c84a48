// The gate's decisions, pure: what passes, what is counted, what leaves the window.
import { describe, expect, test } from "bun:test";
import {
  allowedFor,
  decide,
  EMPTY_GATE,
  gateFigures,
  MAX_ENTRIES,
  prune,
  settle,
} from "../../../runner/gate/gate-state.ts";

const DAY = 86_400_000;
const at = (ms: number) => new Date(Date.parse("2025-10-18T00:00:00Z") + ms);
const policy = { limit: { kind: "count" as const, value: 5 }, windowMs: DAY };
const ask = (n: number, id: string, forced = false) => ({ n, id, by: "t", forced });

describe("gate-state", () => {
  test("allowedFor() takes a share of the baseline, at least one, or a count", () => {
    expect(allowedFor({ kind: "percent", value: 20 }, 1000)).toBe(200);
    expect(allowedFor({ kind: "percent", value: 20 }, 3)).toBe(1);
    expect(allowedFor({ kind: "percent", value: 20 }, 0)).toBe(1);
    expect(allowedFor({ kind: "count", value: 7 }, 1000)).toBe(7);
  });

  test("decide() grants up to the limit counting pending reservations, and exactly the limit", () => {
    let s = EMPTY_GATE;
    for (let i = 0; i < 5; i++) {
      const d = decide(s, ask(1, `r${i}`), 100, policy, at(0));
      expect(d.granted).toBe(true);
      if (d.granted) s = d.next;
    }
    expect(decide(s, ask(1, "r5"), 100, policy, at(0)).granted).toBe(false);
    expect(decide(s, ask(1, "forced", true), 100, policy, at(0)).granted).toBe(true);
  });

  test("decide() refuses a request that alone passes the limit, however empty the window", () => {
    expect(decide(EMPTY_GATE, ask(6, "big"), 1000, policy, at(0)).granted).toBe(false);
    expect(() => decide(EMPTY_GATE, ask(0, "none"), 1000, policy, at(0))).toThrow(RangeError);
  });

  test("settle() counts only what was written, and a release counts nothing", () => {
    const d = decide(EMPTY_GATE, ask(4, "r"), 100, policy, at(0));
    if (!d.granted) throw new Error("refused");
    const s = settle(d.next, "r", 2, at(1000))!;
    expect(gateFigures(s, 98, policy)).toMatchObject({
      counted: 2,
      pending: 0,
      baseline: 100,
      remaining: 3,
    });
    expect(settle(s, "r", 4, at(2000))).toBeNull();
    const d2 = decide(s, ask(3, "r2"), 98, policy, at(3000));
    if (!d2.granted) throw new Error("refused");
    expect(gateFigures(settle(d2.next, "r2", 0, at(4000))!, 98, policy).counted).toBe(2);
  });

  test("settle() given a count that is not a number counts the whole reservation (never less than may have been written)", () => {
    const d = decide(EMPTY_GATE, ask(4, "r"), 100, policy, at(0));
    if (!d.granted) throw new Error("refused");
    expect(gateFigures(settle(d.next, "r", Number.NaN, at(1000))!, 96, policy).counted).toBe(4);
  });

  test("prune() lets written entries leave the window and counts a stale reservation as written", () => {
    const d = decide(EMPTY_GATE, ask(2, "written"), 100, policy, at(0));
    if (!d.granted) throw new Error("refused");
    let s = settle(d.next, "written", 2, at(0))!;
    const p = decide(s, ask(3, "dead"), 98, policy, at(1000));
    if (!p.granted) throw new Error("refused");
    s = p.next;
    // Two hours on: the dead reservation is counted as written in full.
    expect(gateFigures(prune(s, at(2 * 3_600_000), policy), 98, policy)).toMatchObject({
      counted: 5,
      pending: 0,
    });
    // A day after: the first entry left the window, the dead one (at 1 s) too.
    expect(gateFigures(prune(s, at(DAY + 2000), policy), 98, policy).counted).toBe(0);
  });

  test("prune() merges the oldest entries past MAX_ENTRIES, keeping the later time", () => {
    const entries = Array.from(
      { length: MAX_ENTRIES + 3 },
      (_, i) => ({ at: at(i * 1000), n: 1, forced: false, by: `b${i}` }),
    );
    const s = prune({ seq: 1, entries, pending: [] }, at(MAX_ENTRIES * 1000 + 10_000), policy);
    expect(s.entries.length).toBe(MAX_ENTRIES);
    expect(s.entries.reduce((a, e) => a + e.n, 0)).toBe(MAX_ENTRIES + 3);
  });

  test("gateFigures() does not count forced work but the baseline shrinks with it", () => {
    const s = {
      seq: 2,
      entries: [{ at: at(0), n: 30, forced: true, by: "op" }, {
        at: at(0),
        n: 4,
        forced: false,
        by: "s",
      }],
      pending: [],
    };
    const f = gateFigures(s, 66, { limit: { kind: "percent", value: 10 }, windowMs: DAY });
    expect(f).toMatchObject({ counted: 4, baseline: 70, allowed: 7, remaining: 3 });
  });
});

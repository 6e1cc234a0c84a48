// The gate's decisions, pure: what passes, what is counted, what leaves the window.
import { describe, expect, test } from "bun:test";
import {
  allowedFor,
  decide,
  EMPTY_GATE,
  gateFigures,
  type GateState,
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

// Each boundary below is one a person relies on when reading SYNC_MAX_DEACTIVATE and its window;
// found by the mutation check (README, "Testing").
const HOUR = 3_600_000;
const percent = (value: number) => ({ limit: { kind: "percent" as const, value }, windowMs: DAY });
const wide = { limit: { kind: "count" as const, value: 1_000_000 }, windowMs: DAY };
const entry = (ms: number, n: number, by: string, forced = false) => ({
  at: at(ms),
  n,
  forced,
  by,
});
/** A granted reservation settled with all of it written: the next state. */
function write(s: GateState, n: number, by: string, ms: number, forced = false): GateState {
  const d = decide(
    prune(s, at(ms), wide),
    { n, id: `${by}@${ms}`, by, forced },
    1000,
    wide,
    at(ms),
  );
  if (!d.granted) throw new Error("refused");
  return settle(d.next, `${by}@${ms}`, n, at(ms))!;
}
const counted = (s: GateState, ms: number) =>
  gateFigures(prune(s, at(ms), wide), 1000, wide).counted;

describe("gate-state: the share a percentage allows", () => {
  test("allowedFor() rounds a share down: 20% of 1004 allows 200, 10% of 99 allows 9", () => {
    expect(allowedFor({ kind: "percent", value: 20 }, 1004)).toBe(200);
    expect(allowedFor({ kind: "percent", value: 10 }, 99)).toBe(9);
    expect(allowedFor({ kind: "percent", value: 20 }, 9)).toBe(1);
    expect(allowedFor({ kind: "percent", value: 20 }, 10)).toBe(2);
  });

  test("gateFigures() with nobody active left takes the share of what the window deactivated", () => {
    const s = { seq: 1, entries: [entry(0, 19, "s")], pending: [] };
    expect(gateFigures(s, 0, percent(10))).toMatchObject({
      counted: 19,
      baseline: 19,
      allowed: 1,
      remaining: 0,
    });
  });
});

describe("gate-state: the baseline while reservations are in flight", () => {
  test("a reservation written but not settled does not lower the baseline of the next caller", () => {
    const d = decide(EMPTY_GATE, ask(2, "r1"), 100, percent(10), at(0));
    if (!d.granted) throw new Error("refused");
    // r1's two are written (98 active) but not settled; prune() runs before every decision.
    const s = prune(d.next, at(1000), percent(10));
    expect(gateFigures(s, 98, percent(10))).toMatchObject({ baseline: 100, remaining: 8 });
    expect(decide(s, ask(8, "r2"), 98, percent(10), at(1000)).granted).toBe(true);
    expect(decide(s, ask(9, "r3"), 98, percent(10), at(1000)).granted).toBe(false);
  });

  test("people joining raise the baseline even with reservations in flight", () => {
    const d = decide(EMPTY_GATE, ask(2, "r1"), 100, percent(10), at(0));
    if (!d.granted) throw new Error("refused");
    expect(gateFigures(d.next, 150, percent(10))).toMatchObject({ baseline: 150, allowed: 15 });
  });

  test("with nothing pending the baseline is what is observed, lower than before if need be", () => {
    // The last exact baseline was 100; the directory has shrunk since and the window is empty.
    const s = { seq: 4, entries: [], pending: [], baseline: 100 };
    expect(gateFigures(s, 50, percent(10))).toMatchObject({ baseline: 50, allowed: 5 });
  });
});

describe("gate-state: the window and stale reservations at their edges", () => {
  test("a written entry is counted until exactly a window after it, then no longer", () => {
    const s = { seq: 1, entries: [entry(0, 3, "s")], pending: [] };
    expect(counted(s, DAY - 1)).toBe(3);
    expect(counted(s, DAY)).toBe(0);
  });

  test("a reservation is pending for exactly an hour, then counted as written in full — never both, never neither", () => {
    const d = decide(EMPTY_GATE, ask(3, "dead"), 100, policy, at(0));
    if (!d.granted) throw new Error("refused");
    const figures = (ms: number) => gateFigures(prune(d.next, at(ms), policy), 97, policy);
    expect(figures(HOUR - 1)).toMatchObject({ counted: 0, pending: 3 });
    expect(figures(HOUR)).toMatchObject({ counted: 0, pending: 3 });
    expect(figures(HOUR + 1)).toMatchObject({ counted: 3, pending: 0 });
    // Counted from when it was reserved: it leaves the window a day after that.
    expect(figures(DAY - 1)).toMatchObject({ counted: 3, pending: 0 });
    expect(figures(DAY)).toMatchObject({ counted: 0, pending: 0 });
  });
});

describe("gate-state: settling and merging entries", () => {
  test("settle() counts a single write", () => {
    expect(counted(write(EMPTY_GATE, 1, "webhook:e1", 0), 1000)).toBe(1);
  });

  test("writes of one actor less than a minute apart merge into one entry; a minute apart they do not", () => {
    let s = write(EMPTY_GATE, 2, "sync:a", 0);
    s = write(s, 3, "sync:a", 59_999);
    expect(s.entries).toEqual([entry(59_999, 5, "sync:a")]);
    s = write(s, 4, "sync:a", 59_999 + 60_000);
    expect(s.entries).toEqual([entry(59_999, 5, "sync:a"), entry(119_999, 4, "sync:a")]);
    expect(counted(s, 120_000)).toBe(9);
  });

  test("writes of different actors, or forced next to counted, stay apart", () => {
    let s = write(EMPTY_GATE, 30, "op", 0, true);
    s = write(s, 4, "op", 10_000);
    s = write(s, 2, "sync:b", 20_000);
    expect(s.entries).toEqual([
      entry(0, 30, "op", true),
      entry(10_000, 4, "op"),
      entry(20_000, 2, "sync:b"),
    ]);
    expect(gateFigures(s, 1000, wide).counted).toBe(6);
  });

  test("settle() merges only into the latest entry, never into an earlier one of the same actor", () => {
    let s = write(EMPTY_GATE, 1, "sync:a", 0);
    s = write(s, 2, "sync:b", 1000);
    s = write(s, 3, "sync:a", 2000);
    expect(s.entries).toEqual([
      entry(0, 1, "sync:a"),
      entry(1000, 2, "sync:b"),
      entry(2000, 3, "sync:a"),
    ]);
  });

  test("a release (nothing written) leaves the entries as they were, and their time with them", () => {
    const s = write(EMPTY_GATE, 2, "sync:a", 0);
    const d = decide(s, ask(1, "r"), 1000, wide, at(30_000));
    if (!d.granted) throw new Error("refused");
    const released = settle(d.next, "r", 0, at(30_000))!;
    expect(released.entries).toEqual(s.entries);
    expect(counted(released, DAY - 1)).toBe(2);
    expect(counted(released, DAY)).toBe(0);
  });

  test("a reservation and a settlement made from one state claim the same next seq, so only one commits", () => {
    const d = decide(EMPTY_GATE, ask(1, "a"), 100, policy, at(0));
    if (!d.granted) throw new Error("refused");
    const s = d.next;
    expect(s.seq).toBe(EMPTY_GATE.seq + 1);
    const decided = decide(s, ask(1, "b"), 100, policy, at(1000));
    if (!decided.granted) throw new Error("refused");
    expect(decided.next.seq).toBe(s.seq + 1);
    expect(settle(s, "a", 1, at(1000))!.seq).toBe(s.seq + 1);
  });
});

describe("gate-state: the entry cap", () => {
  test("prune() keeps at most 2,000 entries, merging the oldest into one with the later time", () => {
    const entries = Array.from(
      { length: 2003 },
      (_, i) => entry(i * 1000, 1, i < 2 ? "x" : `b${i}`),
    );
    const s = prune({ seq: 1, entries, pending: [] }, at(2003 * 1000), policy);
    expect(s.entries.length).toBe(2000);
    // The four oldest (two of "x", two others) became one, at the time of the fourth.
    expect(s.entries[0]).toEqual(entry(3000, 4, "merged"));
    expect(s.entries[1]).toEqual(entry(4000, 1, "b4"));
    const sameActor = prune({ seq: 1, entries: entries.slice(0, 2001), pending: [] }, at(0), wide);
    expect(sameActor.entries[0]).toEqual(entry(1000, 2, "x"));
  });

  test("the cap merging forced work with counted work counts both (errs on refusing)", () => {
    const entries = [
      entry(0, 30, "op", true),
      ...Array.from({ length: 2000 }, (_, i) => entry(1000 + i, 1, "s")),
    ];
    const s = prune({ seq: 1, entries, pending: [] }, at(5000), wide);
    expect(s.entries[0]).toEqual(entry(1000, 31, "merged"));
    expect(gateFigures(s, 1000, wide).counted).toBe(2030);
  });

  test("a stale reservation counted late never lets the cap make later writes leave the window early", () => {
    // 2,000 entries, then a reservation older than all of them goes stale: it is counted
    // among them, and every later write pushes the cap to merge one more pair.
    const stored = Array.from({ length: 2000 }, (_, i) => entry(2 * HOUR + i, 1, `e${i}`));
    let s: GateState = {
      seq: 1,
      entries: stored,
      pending: [{ id: "dead", n: 1, at: at(0), forced: false, by: "dead" }],
    };
    for (let k = 0; k < 2005; k++) {
      s = write(s, 1, `w${k}`, 3 * HOUR + k);
      // A day after the dead reservation, every write since it still counts.
      expect(counted(s, DAY + 1)).toBeGreaterThanOrEqual(2000 + k + 1);
    }
  });
});

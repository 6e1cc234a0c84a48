// Group commit: the calls of one turn leave as one command, each caller gets its own answer.
import { describe, expect, test } from "bun:test";
import { groupCommit, type Outcome } from "../../../runner/store/group-commit.ts";

/** A `send` that records every group it was given and answers each item by `answer`. */
function recorder<I, O>(answer: (item: I) => Outcome<O>) {
  const groups: I[][] = [];
  const send = (items: I[]) => {
    groups.push(items);
    return Promise.resolve(items.map(answer));
  };
  return { groups, send };
}
const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });

describe("groupCommit()", () => {
  test("the calls of one turn leave as one command, in call order, each answered with its own value", async () => {
    const r = recorder((n: number) => ok(n * 10));
    const one = groupCommit(r.send);
    expect(await Promise.all([one(1), one(2), one(3)])).toEqual([10, 20, 30]);
    expect(r.groups).toEqual([[1, 2, 3]]);
  });
  test("calls made after the group left go in the next command", async () => {
    const r = recorder((n: number) => ok(n));
    const one = groupCommit(r.send);
    await one(1);
    await Promise.all([one(2), one(3)]);
    expect(r.groups).toEqual([[1], [2, 3]]);
  });
  test("calls made while resolving earlier promises of the same turn still join the group", async () => {
    const r = recorder((n: number) => ok(n));
    const one = groupCommit(r.send);
    // Each call starts after a different number of awaited microtasks, as the applier's do.
    const late = async (n: number) => {
      for (let i = 0; i < n; i++) await Promise.resolve();
      return one(n);
    };
    await Promise.all([late(0), late(1), late(5), late(20)]);
    expect(r.groups).toEqual([[0, 1, 5, 20]]);
  });
  test("a refused item fails only its own caller", async () => {
    const refused = new Error("refused: 2");
    const r = recorder((n: number): Outcome<number> =>
      n === 2 ? { ok: false, error: refused } : ok(n)
    );
    const one = groupCommit(r.send);
    const got = await Promise.allSettled([one(1), one(2), one(3)]);
    expect(got).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: refused },
      { status: "fulfilled", value: 3 },
    ]);
  });
  test("a command that fails as a whole fails every caller in it with its error, and the next group is sent anew", async () => {
    let fail = true;
    const down = new Error("server went away");
    const one = groupCommit((items: number[]) =>
      fail ? Promise.reject(down) : Promise.resolve(items.map(ok))
    );
    const got = await Promise.allSettled([one(1), one(2)]);
    expect(got.map((g) => g.status === "rejected" && g.reason)).toEqual([down, down]);
    fail = false;
    expect(await one(3)).toBe(3);
  });
  test("a send that throws before its first await fails the group, never the caller's stack", async () => {
    const one = groupCommit((_items: number[]): Promise<Outcome<number>[]> => {
      throw new TypeError("bad command");
    });
    await expect(one(1)).rejects.toThrow("bad command");
  });
  test("an answer missing for an item fails that item with a message naming it", async () => {
    const one = groupCommit((items: number[]) => Promise.resolve(items.slice(1).map(ok)));
    const got = await Promise.allSettled([one(1), one(2)]);
    expect(got[0]).toEqual({ status: "fulfilled", value: 2 });
    expect(got[1]?.status === "rejected" && String(got[1].reason)).toContain(
      "no outcome for item 1 of 2",
    );
  });
  test("more calls than max in one turn leave as several commands of at most max", async () => {
    const r = recorder((n: number) => ok(n));
    const one = groupCommit(r.send, { max: 2 });
    expect(await Promise.all([1, 2, 3, 4, 5].map(one))).toEqual([1, 2, 3, 4, 5]);
    expect(r.groups).toEqual([[1, 2], [3, 4], [5]]);
  });
  test("max must be a positive integer", () => {
    expect(() => groupCommit(() => Promise.resolve([]), { max: 0 })).toThrow(RangeError);
    expect(() => groupCommit(() => Promise.resolve([]), { max: 1.5 })).toThrow(RangeError);
  });
  test("an idle group schedules nothing: the scheduler runs once per group", async () => {
    let scheduled = 0;
    const one = groupCommit((items: number[]) => Promise.resolve(items.map(ok)), {
      schedule: (flush) => {
        scheduled++;
        queueMicrotask(flush);
      },
    });
    expect(scheduled).toBe(0);
    await Promise.all([one(1), one(2)]);
    await one(3);
    expect(scheduled).toBe(2);
  });
});

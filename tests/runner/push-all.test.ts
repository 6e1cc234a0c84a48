// Appending a million keys: the first import of a million people planned its creates with
// `push(...created)` and ended failed ("Maximum call stack size exceeded.") after writing all.
import { describe, expect, test } from "bun:test";
import { pushAll } from "../../runner/push-all.ts";

describe("pushAll()", () => {
  test("pushAll() appends two million items where a spread push overflows the stack", () => {
    const many = Array.from({ length: 2_000_000 }, (_, i) => `u${i}`);
    expect(() => [].push(...(many as never[]))).toThrow(RangeError);
    const into = ["first"];
    expect(pushAll(into, many)).toBe(into);
    expect(into.length).toBe(2_000_001);
    expect(into[1]).toBe("u0");
    expect(into.at(-1)).toBe("u1999999");
  });

  test("pushAll() appends any iterable in order, and nothing from an empty one", () => {
    expect(pushAll([1], new Set([2, 3]))).toEqual([1, 2, 3]);
    expect(pushAll([1], [])).toEqual([1]);
  });
});

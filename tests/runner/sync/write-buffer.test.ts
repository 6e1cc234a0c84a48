import { describe, expect, test } from "bun:test";
import type { Change } from "../../../runner/sync/diff.ts";
import { createWriteBuffer } from "../../../runner/sync/write-buffer.ts";

const change = (n: number): Change<{ n: number }> => ({
  kind: "create",
  doc: { n },
  hash: `h${n}`,
});

describe("createWriteBuffer()", () => {
  test("`createWriteBuffer()` hands on full chunks as they fill and the rest on flush", async () => {
    const written: number[][] = [];
    const buffer = createWriteBuffer<{ n: number }>(async (c) => {
      written.push(c.map((x) => x.doc.n));
    }, 3);
    await buffer.add([change(1), change(2)]);
    expect(written).toEqual([]);
    await buffer.add([change(3), change(4), change(5), change(6), change(7)]);
    expect(written).toEqual([[1, 2, 3], [4, 5, 6]]);
    await buffer.flush();
    expect(written).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  test("`createWriteBuffer()` never writes an empty chunk when nothing was added", async () => {
    let calls = 0;
    const buffer = createWriteBuffer(async () => void calls++, 10);
    await buffer.add([]);
    await buffer.flush();
    expect(calls).toBe(0);
  });

  test("`createWriteBuffer()` passes a failed write on to the caller", async () => {
    const buffer = createWriteBuffer(() => Promise.reject(new Error("store down")), 1);
    expect(buffer.add([change(1)])).rejects.toThrow("store down");
  });

  test("`createWriteBuffer()` refuses a size that is not a positive integer", () => {
    for (const size of [0, -1, 1.5, NaN]) {
      expect(() => createWriteBuffer(async () => {}, size)).toThrow(RangeError);
    }
  });
});

import { describe, expect, test } from "bun:test";
import { createReadAhead } from "../../../runner/sync/read-ahead.ts";

/** A promise and its resolvers, for an index that arrives when the test says. */
function later<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("createReadAhead()", () => {
  test("`createReadAhead()` holds pages while the index is on its way, then hands them on in order", async () => {
    const index = later<string>();
    const handled: string[] = [];
    const ahead = createReadAhead(index.promise, 10, async (items: number[], x) => {
      handled.push(`${x}:${items.join(",")}`);
    });
    await ahead.add([1, 2]);
    await ahead.add([3]);
    expect(handled).toEqual([]);
    index.resolve("idx");
    await Bun.sleep(0);
    await ahead.add([4]);
    expect(handled).toEqual(["idx:1,2", "idx:3", "idx:4"]);
    await ahead.flush();
    expect(handled).toHaveLength(3);
  });

  test("`createReadAhead()` waits for the index once the bound is reached", async () => {
    const index = later<string>();
    const handled: number[][] = [];
    const ahead = createReadAhead(index.promise, 3, async (items: number[]) => {
      handled.push(items);
    });
    await ahead.add([1, 2, 3]);
    let added = false;
    const p = ahead.add([4]).then(() => (added = true));
    await Bun.sleep(0);
    expect(added).toBe(false);
    index.resolve("idx");
    await p;
    expect(handled).toEqual([[1, 2, 3], [4]]);
  });

  test("`createReadAhead()` hands on at once when the index is already there", async () => {
    const handled: number[][] = [];
    const ahead = createReadAhead("idx", 10, async (items: number[]) => {
      handled.push(items);
    });
    await Promise.resolve();
    await ahead.add([1]);
    expect(handled).toEqual([[1]]);
  });

  test("`createReadAhead()` throws the index's failure from flush, never as an unhandled rejection", async () => {
    const index = later<string>();
    const ahead = createReadAhead(index.promise, 10, async () => {});
    await ahead.add([1]);
    index.reject(new Error("index read failed"));
    await Bun.sleep(0);
    await expect(ahead.flush()).rejects.toThrow("index read failed");
  });
});

import { describe, expect, test } from "bun:test";
import { createPassOverlap } from "../../../runner/sync/pass-overlap.ts";

describe("createPassOverlap()", () => {
  test("`createPassOverlap()` hands the user pass its index only once the org unit pass has ended", async () => {
    const overlap = createPassOverlap(new AbortController().signal);
    let got: string | null = null;
    void overlap.after(Promise.resolve("index")).then((i) => (got = i));
    await Bun.sleep(5);
    // The index is there, the org units are not written yet: nothing is diffed.
    expect(got).toBeNull();
    overlap.release();
    await Bun.sleep(0);
    expect(got as string | null).toBe("index");
  });

  test("`createPassOverlap()` holds the user pass's progress until release, then passes the latest on", () => {
    const overlap = createPassOverlap(new AbortController().signal);
    const shown: number[] = [];
    const onPage = overlap.onPage((p: number) => shown.push(p));
    onPage(1);
    onPage(2);
    expect(shown).toEqual([]);
    overlap.release();
    expect(shown).toEqual([2]);
    onPage(3);
    expect(shown).toEqual([2, 3]);
  });

  test("`createPassOverlap()` stops the user listing and fails its pass when the org unit pass fails", async () => {
    const overlap = createPassOverlap(new AbortController().signal);
    const index = overlap.after(Promise.resolve("index"));
    const failure = new Error("Groups page 2: HTTP 500");
    overlap.abort(failure);
    expect(overlap.signal.aborted).toBe(true);
    expect(index).rejects.toBe(failure);
  });

  test("`createPassOverlap()` passes the run's own abort on to the user listing", () => {
    const run = new AbortController();
    const overlap = createPassOverlap(run.signal);
    expect(overlap.signal.aborted).toBe(false);
    run.abort(new Error("shutting down"));
    expect(overlap.signal.aborted).toBe(true);
  });
});

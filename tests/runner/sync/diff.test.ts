import { describe, expect, test } from "bun:test";
import { type ExistingIndex, indexOfEntries } from "../../../runner/documents/changes.ts";
import { absentActive, diffBatch } from "../../../runner/sync/diff.ts";

const entry = (key: string, syncHash: string, isActive = true) => ({ key, syncHash, isActive });

describe("diffBatch()", () => {
  test("diffBatch() sorts incoming documents into create, update, unchanged and deactivating", () => {
    const existing = indexOfEntries([
      entry("a", "h1"),
      entry("b", "h2"),
      entry("c", "h3"),
      entry("d", "h4", false),
    ]);
    const plan = diffBatch([
      { key: "a", hash: "h1", isActive: true, doc: "A" },
      { key: "b", hash: "h2x", isActive: true, doc: "B" },
      { key: "c", hash: "h3x", isActive: false, doc: "C" },
      { key: "d", hash: "h4x", isActive: true, doc: "D" },
      { key: "e", hash: "h5", isActive: true, doc: "E" },
    ], existing);
    expect(plan.unchanged).toBe(1);
    expect(plan.updates.map((c) => c.doc)).toEqual(["B", "D"]);
    expect(plan.deactivatingUpdates.map((c) => c.doc)).toEqual(["C"]);
    expect(plan.creates.map((c) => c.doc)).toEqual(["E"]);
    // Each change says whether it deactivates: the writer stamps deactivatedAt by it.
    expect(plan.deactivatingUpdates.map((c) => c.kind === "update" && c.deactivates)).toEqual([
      true,
    ]);
    expect(plan.updates.map((c) => c.kind === "update" && c.deactivates)).toEqual([false, false]);
  });

  test("diffBatch() counts a document the index's hash set already holds as unchanged, without reading its entry", () => {
    const reads: string[] = [];
    const index: ExistingIndex = {
      size: 2,
      hasHash: (key, hash) => key === "a" && hash === "h1",
      get: (key) => {
        reads.push(key);
        return key === "b" ? { key, syncHash: "old", isActive: true } : undefined;
      },
      activeKeys: () => ["a", "b"],
      countActive: () => 2,
      load: async () => {},
      forget: () => {},
    };
    const plan = diffBatch([
      { key: "a", hash: "h1", isActive: true, doc: "A" },
      { key: "b", hash: "h2", isActive: true, doc: "B" },
    ], index);
    expect(plan.unchanged).toBe(1);
    expect(plan.updates.map((c) => c.doc)).toEqual(["B"]);
    expect(reads).toEqual(["b"]);
  });

  test("diffBatch() still finds a document unchanged by its entry's hash when the index's hash set does not answer for it", () => {
    const inner = indexOfEntries([entry("a", "h1"), entry("b", "h2")]);
    const index: ExistingIndex = { ...inner, hasHash: () => false, get: (k) => inner.get(k) };
    const plan = diffBatch([
      { key: "a", hash: "h1", isActive: true, doc: "A" },
      { key: "b", hash: "h2", isActive: true, doc: "B" },
    ], index);
    expect(plan.unchanged).toBe(2);
    expect(plan.updates).toEqual([]);
  });

  test("absentActive() lists only active documents the listing did not contain", () => {
    const existing = indexOfEntries([entry("a", "h"), entry("b", "h"), entry("c", "h", false)]);
    expect(absentActive(existing, new Set(["a"])).map((e) => e.key)).toEqual(["b"]);
  });
});

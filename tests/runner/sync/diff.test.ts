import { describe, expect, test } from "bun:test";
import { indexOfEntries } from "../../../runner/documents/changes.ts";
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
  });

  test("absentActive() lists only active documents the listing did not contain", () => {
    const existing = indexOfEntries([entry("a", "h"), entry("b", "h"), entry("c", "h", false)]);
    expect(absentActive(existing, new Set(["a"])).map((e) => e.key)).toEqual(["b"]);
  });
});

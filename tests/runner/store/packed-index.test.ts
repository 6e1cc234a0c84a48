// The packed index of existing documents: what goes in comes out, whatever the _id.
import { describe, expect, test } from "bun:test";
import { ObjectId } from "mongodb";
import { indexOfEntries } from "../../../runner/documents/changes.ts";
import { absentActive, diffBatch } from "../../../runner/sync/diff.ts";
import { decodeDocId, encodeDocId } from "../../../runner/store/doc-id-codec.ts";
import { PackedIndex } from "../../../runner/store/packed-index.ts";

describe("PackedIndex", () => {
  test("PackedIndex gives back each entry as added, for ObjectId, string, absent and other _ids", () => {
    const index = new PackedIndex();
    const oid = new ObjectId();
    index.add("u1", "hash-1", true, encodeDocId("ofm-admin"));
    index.add("u2", "", false);
    index.add("u3", "hash-3", true, encodeDocId(oid));
    index.add("u4", "hash-4", false, encodeDocId(42));
    expect(index.size).toBe(4);
    expect(index.get("u1")).toEqual({
      key: "u1",
      syncHash: "hash-1",
      isActive: true,
      id: encodeDocId("ofm-admin"),
    });
    expect(index.get("u2")).toEqual({ key: "u2", syncHash: "", isActive: false });
    expect(decodeDocId(index.get("u3")!.id!)).toEqual(oid);
    expect(decodeDocId(index.get("u4")!.id!)).toBe(42);
    expect(index.get("nobody")).toBeUndefined();
    expect(index.countActive()).toBe(2);
  });

  test("PackedIndex replaces an entry added again, other _id included", () => {
    const index = new PackedIndex();
    index.add("u1", "old", true, encodeDocId(new ObjectId()));
    index.add("u1", "new", false, encodeDocId("s1"));
    expect(index.size).toBe(1);
    expect(index.get("u1")).toEqual({
      key: "u1",
      syncHash: "new",
      isActive: false,
      id: encodeDocId("s1"),
    });
  });

  test("PackedIndex keeps a foreign hash and a string _id as they are, NULs included", () => {
    const index = new PackedIndex();
    index.add("u1", "bad\u0000hash", true, encodeDocId("id\u0000with-nul"));
    expect(index.get("u1")).toMatchObject({ key: "u1", syncHash: "bad\u0000hash", isActive: true });
    expect(decodeDocId(index.get("u1")!.id!)).toBe("id\u0000with-nul");
    expect(index.hasHash("u1", "bad")).toBe(false);
  });

  test("PackedIndex diffs as the plain index of the same entries does", () => {
    const index = new PackedIndex();
    const entries = [];
    for (
      const [k, h, a] of [["u1", "h1", true], ["u2", "h2", true], ["u3", "h3", false]] as const
    ) {
      index.add(k, h, a, encodeDocId(k));
      entries.push({ key: k, syncHash: h, isActive: a, id: encodeDocId(k) });
    }
    const plain = indexOfEntries(entries);
    const incoming = [
      { key: "u1", hash: "h1", isActive: true, doc: 1 },
      { key: "u2", hash: "changed", isActive: false, doc: 2 },
      { key: "u9", hash: "h9", isActive: true, doc: 9 },
      // A stored hash that is a prefix or an extension of the incoming one is a change.
      { key: "u3", hash: "h", isActive: false, doc: 3 },
      { key: "u1", hash: "h1x", isActive: true, doc: 4 },
    ];
    expect(diffBatch(incoming, index)).toEqual(diffBatch(incoming, plain));
    expect(absentActive(index, new Set(["u1"]))).toEqual(absentActive(plain, new Set(["u1"])));
  });

  test("PackedIndex answers hasHash() and activeKeys() without building entries, as get() would", () => {
    const index = new PackedIndex();
    index.add("u1", "abc", true, encodeDocId("x"));
    index.add("u2", "abcd", false);
    index.add("u3", "", true, encodeDocId(new ObjectId()));
    expect(index.hasHash("u1", "abc")).toBe(true);
    expect(index.hasHash("u1", "ab")).toBe(false);
    expect(index.hasHash("u1", "abcd")).toBe(false);
    expect(index.hasHash("u2", "abcd")).toBe(true);
    expect(index.hasHash("u3", "x")).toBe(false);
    expect(index.hasHash("nobody", "abc")).toBe(false);
    expect([...index.activeKeys()]).toEqual(["u1", "u3"]);
  });

  test("PackedIndex forgets a diffed entry: absence is judged as before, and size still counts it", () => {
    const index = new PackedIndex();
    const plain = indexOfEntries([
      { key: "u1", syncHash: "h1", isActive: true, id: encodeDocId("a") },
      { key: "u2", syncHash: "h2", isActive: false },
      { key: "u3", syncHash: "h3", isActive: true },
    ]);
    index.add("u1", "h1", true, encodeDocId("a"));
    index.add("u2", "h2", false);
    index.add("u3", "h3", true);
    const seen = new Set(["u1", "u2"]);
    const before = absentActive(index, seen);
    for (const k of seen) {
      index.forget(k);
      plain.forget(k);
    }
    index.forget("nobody");
    expect(index.get("u1")).toBeUndefined();
    expect(index.get("u2")).toBeUndefined();
    expect(index.hasHash("u1", "h1")).toBe(false);
    expect(absentActive(index, seen)).toEqual(before);
    expect(absentActive(index, seen)).toEqual([{ key: "u3", syncHash: "h3", isActive: true }]);
    expect(absentActive(plain, seen)).toEqual(before);
    expect([...index.activeKeys()]).toEqual(["u3"]);
    expect(index.countActive()).toBe(1);
    // The matcher asks whether the sync owned anyone when the run began: forgetting keeps that.
    expect(index.size).toBe(3);
    expect(plain.size).toBe(3);
    index.add("u4", "h4", true);
    index.add("u4", "h4b", true);
    expect(index.size).toBe(4);
  });
});

describe("encodeDocId()", () => {
  test("encodeDocId() and decodeDocId() give back ObjectIds, strings and other ids exactly", () => {
    const oid = new ObjectId();
    for (const id of [oid, "ofm-admin", "o:looks-like-a-tag", 7, { nested: [1, "a"] }]) {
      expect(decodeDocId(encodeDocId(id))).toEqual(id);
    }
    expect(String(encodeDocId(oid))).toBe(`o:${oid.toHexString()}`);
  });
});

// The index row read from raw BSON in place must be exactly what the driver's decoding
// gives: the documents the store writes, and every other shape handed to the library.
import { describe, expect, spyOn, test } from "bun:test";
import { BSON, type Document, Int32, Long, ObjectId } from "mongodb";
import { encodeDocId } from "../../../runner/store/doc-id-codec.ts";
import { indexRow, rowOf } from "../../../runner/store/index-row.ts";

const raw = (d: Document) => Buffer.from(BSON.serialize(d));
/** What the driver's decoding makes of the same bytes. */
const decoded = (b: Buffer) => rowOf(BSON.deserialize(b));
/** A value or the name of what was thrown, to compare two readers. */
const outcome = (f: () => unknown) => {
  try {
    return { value: f() };
  } catch (e) {
    return { threw: (e as Error).name };
  }
};

describe("indexRow()", () => {
  test("indexRow() reads the store's own documents in place: with and without _id, either flag", () => {
    const id = new ObjectId();
    const library = spyOn(BSON, "deserialize");
    expect(indexRow(raw({ _id: id, ssoUserId: "u1", syncHash: "h1", isActive: true }))).toEqual({
      key: "u1",
      hash: "h1",
      active: true,
      id: encodeDocId(id),
    });
    expect(indexRow(raw({ ssoUserId: "u2", syncHash: "h2", isActive: false }))).toEqual({
      key: "u2",
      hash: "h2",
      active: false,
    });
    expect(library).not.toHaveBeenCalled();
    library.mockRestore();
  });

  test("indexRow() leaves out a document without a string ssoUserId (OFM's own accounts)", () => {
    expect(indexRow(raw({ _id: new ObjectId(), isActive: true }))).toBeNull();
    expect(indexRow(raw({ ssoUserId: null, syncHash: "h" }))).toBeNull();
    expect(indexRow(raw({ ssoUserId: 42 }))).toBeNull();
  });

  test("indexRow() agrees with the driver's decoding on every shape, ours or not", () => {
    const values: unknown[] = [
      "plain",
      "",
      "Ünïcødé ✓ 🙂",
      "with \uFFFD in it",
      true,
      false,
      null,
      7,
      new Int32(3),
      new Long(5),
      new Date(0),
      new ObjectId(),
      ["a"],
      { nested: "x" },
    ];
    const fields = ["ssoUserId", "syncHash", "isActive", "_id", "email"];
    let n = 0;
    // Every value in every field, beside an otherwise well-formed document.
    for (const field of fields) {
      for (const value of values) {
        const d: Document = { _id: new ObjectId(), ssoUserId: "u", syncHash: "h", isActive: true };
        d[field] = value;
        const b = raw(d);
        expect(indexRow(b)).toEqual(decoded(b));
        n++;
      }
    }
    expect(n).toBe(fields.length * values.length);
  });

  test("indexRow() agrees with the library on 5,000 documents with random bytes changed", () => {
    // A fixed seed: a failure names the document it found, and repeats.
    let seed = 0x5eed;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const good = raw({
      _id: new ObjectId("65f0c0ffee0000000000abcd"),
      ssoUserId: "654372295aacd4c6eca285dd",
      syncHash: "Zb4-Jq1fX0y2cVq7s9Yd8hLkT3w",
      isActive: true,
    });
    let fastPath = 0;
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(good);
      const flips = 1 + Math.floor(next() * 3);
      for (let f = 0; f < flips; f++) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
      const ours = outcome(() => indexRow(b));
      const theirs = outcome(() => decoded(b));
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        throw new Error(`differs on ${b.toString("hex")}: ${JSON.stringify([ours, theirs])}`);
      }
      if ("value" in ours) fastPath++;
    }
    // Most changed documents still decode (a changed character of a string, say).
    expect(fastPath).toBeGreaterThan(1000);
  });

  test("indexRow() decides bytes that are not valid BSON or UTF-8 as the library does", () => {
    const good = raw({ ssoUserId: "abc", syncHash: "h", isActive: true });
    // The ssoUserId's text "abc" with its first byte made invalid UTF-8.
    const badUtf8 = Buffer.from(good);
    badUtf8[badUtf8.indexOf("abc")] = 0xff;
    // Cut short, and a declared size that disagrees with the bytes.
    const truncated = good.subarray(0, good.length - 3);
    const lying = Buffer.from(good);
    lying.writeInt32LE(good.length + 10, 0);
    for (const b of [badUtf8, truncated, lying]) {
      const ours = outcome(() => indexRow(b));
      expect(ours).toEqual(outcome(() => decoded(b)));
      expect(ours).toHaveProperty("threw");
    }
  });
});

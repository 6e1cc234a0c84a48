// The listing proof as a pure function over pages: what ends a listing, what
// proves it complete, what stops one that would not end.
import { describe, expect, test } from "bun:test";
import { createListingProof, ListingRunawayError } from "../../../runner/scim/listing-proof.ts";

const ids = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `u${from + i}` }));

function runIndex(pages: Array<{ resources: unknown[]; totalResults: number; asked?: number }>) {
  const proof = createListingProof("Users", "index");
  const verdicts = pages.map((p) => proof.page(p));
  return { verdicts, end: proof.end() };
}

describe("createListingProof() index paging", () => {
  test("page() hands on each id once and keeps the ids in the caller's set", () => {
    const seen = new Set<string>();
    const proof = createListingProof("Users", "index", seen);
    const first: unknown[] = [];
    const second: unknown[] = [];
    const noId = { userName: "no id" };
    // Page 2 shifted back by one (someone left mid-listing) and repeats u2 within itself.
    expect(proof.page({ resources: ids(1, 2), totalResults: 4, asked: 2 }, first)).toBe("more");
    expect(
      proof.page({
        resources: [{ id: "u2" }, { id: "u3" }, { id: "u3" }, noId],
        totalResults: 4,
        asked: 4,
      }, second),
    ).toBe("more");
    expect(first).toEqual(ids(1, 2));
    expect(second).toEqual([{ id: "u3" }, noId]);
    expect([...seen]).toEqual(["u1", "u2", "u3"]);
    expect(proof.end().distinct).toBe(3);
  });

  test("end() is complete when pages reach totalResults and an empty page follows", () => {
    const { verdicts, end } = runIndex([
      { resources: ids(1, 100), totalResults: 240 },
      { resources: ids(101, 100), totalResults: 240 },
      { resources: ids(201, 40), totalResults: 240 },
      { resources: [], totalResults: 240 },
    ]);
    expect(verdicts).toEqual(["more", "more", "more", "end"]);
    expect(end).toMatchObject({
      complete: true,
      reason: null,
      announced: 240,
      distinct: 240,
      pages: 4,
    });
  });

  test("end() is complete when the server returns fewer than asked on every page", () => {
    const pages = Array.from(
      { length: 8 },
      (_, i) => ({ resources: ids(1 + i * 3, 3), totalResults: 24 }),
    );
    const { end } = runIndex([...pages, { resources: [], totalResults: 24 }]);
    expect(end.complete).toBe(true);
  });

  test("end() is incomplete when an empty page comes at startIndex 201 while totalResults says 240", () => {
    const { end } = runIndex([
      { resources: ids(1, 100), totalResults: 240 },
      { resources: ids(101, 100), totalResults: 240 },
      { resources: [], totalResults: 240 },
    ]);
    expect(end.complete).toBe(false);
    expect(end.reason).toBe(
      "the listing ended with an empty page at startIndex 201 while totalResults announced 240",
    );
  });

  test("end() is incomplete when the server returns resources past a totalResults that was too low", () => {
    const { end } = runIndex([
      { resources: ids(1, 100), totalResults: 200 },
      { resources: ids(101, 100), totalResults: 200 },
      { resources: ids(201, 40), totalResults: 200 },
      { resources: [], totalResults: 200 },
    ]);
    expect(end.complete).toBe(false);
    expect(end.reason).toBe("the SSO returned 240 resources where totalResults announced 200");
  });

  test("end() is incomplete when totalResults changes between pages", () => {
    const { end } = runIndex([
      { resources: ids(1, 100), totalResults: 240 },
      { resources: ids(101, 100), totalResults: 247 },
      { resources: ids(201, 40), totalResults: 254 },
      { resources: [], totalResults: 261 },
    ]);
    expect(end.complete).toBe(false);
    expect(end.reason).toBe(
      "totalResults changed during the listing (240 on page 1, 247 on page 2)",
    );
  });

  test("end() is incomplete when pages overlap so fewer distinct resources than announced were seen", () => {
    const { end } = runIndex([
      { resources: ids(1, 100), totalResults: 200 },
      { resources: ids(51, 100), totalResults: 200 },
      { resources: [], totalResults: 200 },
    ]);
    expect(end.reason).toBe("only 150 distinct resources where totalResults announced 200");
  });

  test("page() ends on a last page shorter than asked once the announced range is complete, without a page past the end", () => {
    const { verdicts, end } = runIndex([
      { resources: ids(1, 100), totalResults: 250, asked: 100 },
      { resources: ids(101, 100), totalResults: 250, asked: 100 },
      { resources: ids(201, 50), totalResults: 250, asked: 100 },
    ]);
    expect(verdicts).toEqual(["more", "more", "end"]);
    expect(end).toMatchObject({ complete: true, distinct: 250, pages: 3 });
  });

  test("page() ends a one-page listing shorter than asked at once", () => {
    const { verdicts, end } = runIndex([{ resources: ids(1, 3), totalResults: 3, asked: 100 }]);
    expect(verdicts).toEqual(["end"]);
    expect(end.complete).toBe(true);
  });

  test("page() asks past the end when the server serves fewer than asked on every page and the range ends on a page as large as the others", () => {
    // A server capping pages at 100 while 1000 were asked: a 100-page is full as served.
    const { verdicts } = runIndex([
      { resources: ids(1, 100), totalResults: 200, asked: 1000 },
      { resources: ids(101, 100), totalResults: 200, asked: 1000 },
    ]);
    expect(verdicts).toEqual(["more", "more"]);
  });

  test("page() answers past-end and end() is complete when the page past the end repeats the first page", () => {
    const { verdicts, end } = runIndex([
      { resources: ids(1, 100), totalResults: 200, asked: 100 },
      { resources: ids(101, 100), totalResults: 200, asked: 100 },
      { resources: ids(1, 100), totalResults: 200, asked: 100 },
    ]);
    expect(verdicts).toEqual(["more", "more", "past-end"]);
    expect(end).toMatchObject({ complete: true, reason: null, distinct: 200, pages: 3 });
  });

  test("page() answers past-end for a repeated page after every announced id came even without the count asked", () => {
    const { verdicts, end } = runIndex([
      { resources: ids(1, 3), totalResults: 3 },
      { resources: ids(1, 3), totalResults: 3 },
    ]);
    expect(verdicts).toEqual(["more", "past-end"]);
    expect(end.complete).toBe(true);
  });

  test("page() reads on when a short last page ends a range whose total was too low, and end() is incomplete", () => {
    const { verdicts, end } = runIndex([
      { resources: ids(1, 100), totalResults: 200, asked: 100 },
      { resources: ids(101, 100), totalResults: 200, asked: 100 },
      { resources: ids(201, 40), totalResults: 200, asked: 100 },
      { resources: ids(1, 100), totalResults: 200, asked: 100 },
    ]);
    expect(verdicts).toEqual(["more", "more", "more", "past-end"]);
    expect(end.reason).toBe("the SSO returned 240 resources where totalResults announced 200");
  });

  test("page() throws no-new-ids when the page past a short range repeats the first page while ids are missing", () => {
    const proof = createListingProof("Users", "index");
    proof.page({ resources: ids(1, 100), totalResults: 240, asked: 100 });
    proof.page({ resources: ids(101, 100), totalResults: 240, asked: 100 });
    expect(() => proof.page({ resources: ids(1, 100), totalResults: 240, asked: 100 })).toThrow(
      "page 3 (startIndex 201) added no resource not already seen, with 40 of the 240 announced still missing",
    );
  });

  test("page() does not end on a short page while totalResults changed during the listing", () => {
    const { verdicts, end } = runIndex([
      { resources: ids(1, 100), totalResults: 240, asked: 100 },
      { resources: ids(101, 100), totalResults: 247, asked: 100 },
      { resources: ids(201, 40), totalResults: 240, asked: 100 },
      { resources: [], totalResults: 240, asked: 100 },
    ]);
    expect(verdicts).toEqual(["more", "more", "more", "end"]);
    expect(end.complete).toBe(false);
  });

  test("page() throws no-new-ids when a page repeats one already seen", () => {
    const proof = createListingProof("Users", "index");
    proof.page({ resources: ids(1, 100), totalResults: 1e12 });
    const err = (() => {
      try {
        proof.page({ resources: ids(1, 100), totalResults: 1e12 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ListingRunawayError);
    expect((err as ListingRunawayError).kind).toBe("no-new-ids");
    expect((err as Error).message).toContain(
      "page 2 (startIndex 101) added no resource not already seen, with 999999999900 of the 1000000000000 announced still missing",
    );
  });

  test("page() throws past-announced-total when fresh resources keep coming far past the total", () => {
    const proof = createListingProof("Users", "index");
    expect(() => {
      for (let i = 0; i < 10; i++) proof.page({ resources: ids(1 + i * 50, 50), totalResults: 10 });
    }).toThrow(
      "distinct resources in 3 pages where totalResults announced 10 (at most 110 allowed)",
    );
  });
});

describe("createListingProof() at its boundaries", () => {
  test("page() allows a tenth more than announced, rounded up (1001 announced: 1102), then throws past-announced-total", () => {
    const proof = createListingProof("Users", "index");
    for (let i = 0; i < 11; i++) {
      expect(proof.page({ resources: ids(1 + i * 100, 100), totalResults: 1001 })).toBe("more");
    }
    expect(proof.page({ resources: ids(1101, 2), totalResults: 1001 })).toBe("more");
    expect(() => proof.page({ resources: ids(1103, 1), totalResults: 1001 })).toThrow(
      "1103 distinct resources in 13 pages where totalResults announced 1001 (at most 1102 allowed)",
    );
  });

  test("page() asks once more when a single full page completes the announced range, as only that shows a total too low", () => {
    const proof = createListingProof("Users", "index");
    expect(proof.page({ resources: ids(1, 100), totalResults: 100, asked: 100 })).toBe("more");
    expect(proof.page({ resources: ids(101, 1), totalResults: 100, asked: 100 })).toBe("more");
    expect(proof.page({ resources: [], totalResults: 100, asked: 100 })).toBe("end");
    expect(proof.end().reason).toBe(
      "the SSO returned 101 resources where totalResults announced 100",
    );
  });

  test("page() throws no-new-ids when a repeated page comes with exactly one announced id missing", () => {
    const proof = createListingProof("Users", "index");
    proof.page({ resources: ids(1, 100), totalResults: 101, asked: 100 });
    expect(() => proof.page({ resources: ids(1, 100), totalResults: 101, asked: 100 })).toThrow(
      "page 2 (startIndex 101) added no resource not already seen, with 1 of the 101 announced still missing",
    );
  });

  test("end() is incomplete when a resource's id is a number, empty or missing: it cannot be matched", () => {
    for (const odd of [{ id: 7 }, { id: "" }, { userName: "no-id" }]) {
      const { end } = runIndex([
        { resources: [{ id: "u1" }, odd], totalResults: 2 },
        { resources: [], totalResults: 2 },
      ]);
      expect(end).toMatchObject({ complete: false, distinct: 1 });
      expect(end.reason).toBe("only 1 distinct resources where totalResults announced 2");
    }
  });

  test("page() takes a null or a bare value among Resources as a resource without an id", () => {
    const { verdicts, end } = runIndex([
      { resources: [{ id: "u1" }, null, "u2", 3], totalResults: 4 },
      { resources: [], totalResults: 4 },
    ]);
    expect(verdicts).toEqual(["more", "end"]);
    expect(end).toMatchObject({ complete: false, distinct: 1 });
  });
});

describe("createListingProof() cursor paging", () => {
  test("end() is complete when the last page has no nextCursor and every announced resource came", () => {
    const proof = createListingProof("Users", "cursor");
    expect(proof.page({ resources: ids(1, 2), totalResults: 3, nextCursor: "a" })).toBe("more");
    expect(proof.page({ resources: ids(3, 1), totalResults: 3, nextCursor: null })).toBe("end");
    expect(proof.end().complete).toBe(true);
  });

  test("page() throws repeated-cursor when the server hands out the same nextCursor again", () => {
    const proof = createListingProof("Users", "cursor");
    proof.page({ resources: ids(1, 2), totalResults: 1e12, nextCursor: "same" });
    expect(() => proof.page({ resources: ids(3, 2), totalResults: 1e12, nextCursor: "same" }))
      .toThrow("page 2 handed out a nextCursor it had given before");
  });

  test("page() answers past-end when a cursor page repeats ids after every announced one came", () => {
    const proof = createListingProof("Users", "cursor");
    proof.page({ resources: ids(1, 2), totalResults: 2, nextCursor: "a" });
    expect(proof.page({ resources: ids(1, 2), totalResults: 2, nextCursor: "b" })).toBe("past-end");
    expect(proof.end().complete).toBe(true);
  });

  test("end() is incomplete when an empty page still offers a nextCursor", () => {
    const proof = createListingProof("Users", "cursor");
    proof.page({ resources: ids(1, 2), totalResults: 4, nextCursor: "a" });
    expect(proof.page({ resources: [], totalResults: 4, nextCursor: "b" })).toBe("end");
    expect(proof.end().reason).toBe(
      "the listing ended with an empty page that still offered a nextCursor",
    );
  });
});

// The listing proof as a pure function over pages: what ends a listing, what
// proves it complete, what stops one that would not end.
import { describe, expect, test } from "bun:test";
import { createListingProof, ListingRunawayError } from "../../../runner/scim/listing-proof.ts";

const ids = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `u${from + i}` }));

function runIndex(pages: Array<{ resources: unknown[]; totalResults: number }>) {
  const proof = createListingProof("Users", "index");
  const verdicts = pages.map((p) => proof.page(p));
  return { verdicts, end: proof.end() };
}

describe("createListingProof() index paging", () => {
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
      "page 2 (startIndex 101) added no resource not already seen",
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

  test("end() is incomplete when an empty page still offers a nextCursor", () => {
    const proof = createListingProof("Users", "cursor");
    proof.page({ resources: ids(1, 2), totalResults: 4, nextCursor: "a" });
    expect(proof.page({ resources: [], totalResults: 4, nextCursor: "b" })).toBe("end");
    expect(proof.end().reason).toBe(
      "the listing ended with an empty page that still offered a nextCursor",
    );
  });
});

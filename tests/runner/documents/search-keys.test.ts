import { describe, expect, test } from "bun:test";
import {
  foldForSearch,
  SEARCH_KEY_MAX,
  searchKeys,
} from "../../../runner/documents/search-keys.ts";

describe("searchKeys()", () => {
  test("searchKeys() holds first name, last name, the full name and the email, lower-cased", () => {
    expect(searchKeys({ firstName: "Jane", lastName: "Doe", email: "Jane.Doe@IAS.co.id" }))
      .toEqual(["jane", "doe", "jane doe", "jane.doe@ias.co.id"]);
  });
  test("searchKeys() drops accents, so José is found by jose", () => {
    expect(searchKeys({ firstName: "José", lastName: "Núñez", email: "jn@x.id" }))
      .toEqual(["jose", "nunez", "jose nunez", "jn@x.id"]);
  });
  test("searchKeys() leaves out missing names and duplicates", () => {
    expect(searchKeys({ firstName: null, lastName: "Doe", email: "doe" })).toEqual(["doe"]);
  });
  test("searchKeys() cuts each key at SEARCH_KEY_MAX characters", () => {
    const keys = searchKeys({ firstName: "a".repeat(200), lastName: null, email: "e@x.id" });
    expect(keys[0]!.length).toBe(SEARCH_KEY_MAX);
  });
});

describe("foldForSearch()", () => {
  test("foldForSearch() folds a typed prefix the way the keys were folded", () => {
    expect(foldForSearch("  ÉLISE   du ")).toBe("elise du");
    expect(searchKeys({ firstName: "Élise", lastName: "Du Pont", email: "e@x.id" })[2])
      .toStartWith(foldForSearch("  ÉLISE   du "));
  });
});

// The one SCIM date parser of the sync and the webhook path: a date or null, never Invalid Date.
import { describe, expect, test } from "bun:test";
import { scimDate } from "../../../runner/documents/scim-date.ts";

describe("scimDate()", () => {
  test("scimDate() parses an ISO 8601 timestamp, with or without an offset", () => {
    expect(scimDate("2025-10-18T10:30:00.000Z")).toEqual(new Date("2025-10-18T10:30:00.000Z"));
    expect(scimDate("2025-10-18T17:30:00+07:00")).toEqual(new Date("2025-10-18T10:30:00.000Z"));
  });

  test("scimDate() returns null for nothing, an empty string or a date that does not parse", () => {
    for (const value of [null, undefined, "", "yesterday", "2025-13-45T99:00:00Z"]) {
      expect(scimDate(value)).toBeNull();
    }
  });
});

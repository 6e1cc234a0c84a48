// The content hash that lets a sync skip unchanged people: same synced values,
// same hash; any synced value changed, another hash; unsynced fields ignored.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { contentHash, orgUnitHashFields, userHashFields } from "../../runner/content-hash.ts";
import { ORG_UNIT_SYNC_FIELDS, USER_SYNC_FIELDS } from "../../shared/ofm-documents.ts";

const USER = {
  email: "a@ias.co.id",
  firstName: "A",
  lastName: "B",
  isActive: true,
  phone: "+62 1",
};

describe("contentHash()", () => {
  test("contentHash() is SHA-1 base64url of the values as JSON, so hashes stored by earlier releases still match", () => {
    const fields = userHashFields([]);
    const json = JSON.stringify(fields.map((f) => (USER as Record<string, unknown>)[f] ?? null));
    // A fixed digest: the stored syncHash of every existing user depends on it.
    expect(contentHash({ email: "a@ias.co.id" }, ["email"])).toBe("OWyhxErom6ygfEcFJspIrF9XSnQ");
    expect(contentHash(USER, fields)).toBe(createHash("sha1").update(json).digest("base64url"));
  });

  test("contentHash() is the same for the same values of the fields, whatever the key order or other fields", () => {
    const fields = userHashFields([]);
    const reordered = {
      phone: "+62 1",
      isActive: true,
      lastName: "B",
      firstName: "A",
      email: "a@ias.co.id",
    };
    expect(contentHash(reordered, fields)).toBe(contentHash(USER, fields));
    expect(contentHash({ ...USER, createdAt: new Date(), role: "user" }, fields)).toBe(
      contentHash(USER, fields),
    );
  });

  test("contentHash() changes when any hashed field changes", () => {
    const fields = userHashFields([]);
    const base = contentHash(USER, fields);
    expect(contentHash({ ...USER, phone: "+62 2" }, fields)).not.toBe(base);
    expect(contentHash({ ...USER, isActive: false }, fields)).not.toBe(base);
    expect(contentHash({ ...USER, email: "b@ias.co.id" }, fields)).not.toBe(base);
  });

  test("contentHash() treats a missing field and a null one alike, but not an empty string", () => {
    const fields = ["email", "phone"];
    expect(contentHash({ email: "a" }, fields)).toBe(
      contentHash({ email: "a", phone: null }, fields),
    );
    expect(contentHash({ email: "a", phone: "" }, fields)).not.toBe(
      contentHash({ email: "a" }, fields),
    );
  });

  test("contentHash() does not mix up values moved between fields", () => {
    const fields = ["firstName", "lastName"];
    expect(contentHash({ firstName: "A", lastName: "B" }, fields)).not.toBe(
      contentHash({ firstName: "B", lastName: "A" }, fields),
    );
  });

  test("contentHash() returns a short url-safe string", () => {
    expect(contentHash(USER, userHashFields([]))).toMatch(/^[A-Za-z0-9_-]{27}$/);
  });
});

describe("userHashFields()", () => {
  test("userHashFields() leaves out the excluded fields, so a change to them is not a change", () => {
    expect(userHashFields([])).toEqual([...USER_SYNC_FIELDS]);
    const fields = userHashFields(["phone"]);
    expect(fields).not.toContain("phone");
    expect(contentHash({ ...USER, phone: "+62 9" }, fields)).toBe(contentHash(USER, fields));
  });

  test("orgUnitHashFields are the org unit's synced fields", () => {
    expect([...orgUnitHashFields]).toEqual([...ORG_UNIT_SYNC_FIELDS]);
  });
});

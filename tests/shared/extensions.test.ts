// Finding a SCIM extension in a resource by its short name, whatever URN it is filed under.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { extensionKeyMatches, findExtension } from "../../shared/extensions.ts";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe("extensionKeyMatches()", () => {
  test("extensionKeyMatches() accepts the name itself, a URN ending in it, and a URN naming it before its version", () => {
    assert.equal(extensionKeyMatches("enterprise", "enterprise"), true);
    assert.equal(extensionKeyMatches("urn:example:ofm", "ofm"), true);
    assert.equal(extensionKeyMatches(ENTERPRISE, "enterprise"), true);
    assert.equal(extensionKeyMatches("URN:example:ofm", "ofm"), true);
  });

  test("extensionKeyMatches() refuses other keys, and names inside a key that is not a URN", () => {
    assert.equal(extensionKeyMatches(ENTERPRISE, "User2"), false);
    assert.equal(extensionKeyMatches(ENTERPRISE, "scim"), false);
    assert.equal(extensionKeyMatches("my:enterprise", "enterprise"), false);
    assert.equal(extensionKeyMatches("enterprises", "enterprise"), false);
  });
});

describe("findExtension()", () => {
  test("findExtension() returns the value under the exact key first, then under a matching URN", () => {
    const ext = { employeeNumber: "7" };
    assert.deepEqual(findExtension({ [ENTERPRISE]: ext }, "enterprise"), ext);
    assert.deepEqual(
      findExtension({ enterprise: "short", [ENTERPRISE]: ext }, "enterprise"),
      "short",
    );
  });

  test("findExtension() returns undefined when no key matches", () => {
    assert.equal(
      findExtension({ userName: "a@x", "urn:example:other:1.0": {} }, "enterprise"),
      undefined,
    );
  });
});

describe("findExtension() on many resources", () => {
  test("findExtension() answers each name by its own match when the same keys come again", () => {
    const pos = "urn:aksara:params:scim:schemas:extension:x-position:2.0:User";
    const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    for (let i = 0; i < 3; i++) {
      const r = { id: `u${i}`, [ent]: { employeeNumber: `E${i}` }, [pos]: { id: `p${i}` } };
      assert.deepEqual(findExtension(r, "x-position"), { id: `p${i}` });
      assert.deepEqual(findExtension(r, "enterprise"), { employeeNumber: `E${i}` });
      assert.equal(findExtension(r, "x-orgUnit"), undefined);
    }
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { extensionKeyMatches, findExtension } from "../../shared/extensions.ts";
import { mapGroup, mapUser } from "../../shared/mapping.ts";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const fullUser = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
  id: "507f1f77bcf86cd799439011",
  userName: "john.doe@ias.co.id",
  name: { givenName: "John", familyName: "Doe" },
  active: true,
  phoneNumbers: [{ value: "+62 811 000", type: "work" }, { value: "+62 822 000", type: "mobile" }],
  [ENT]: {
    employeeNumber: "E-1001",
    department: "dep-1",
    organization: "co-1",
    manager: { value: "mgr-1", displayName: "Jane" },
  },
  "urn:aksara:params:scim:schemas:extension:x-position:2.0:User": {
    id: "pos-7",
    title: "Engineer",
  },
  meta: { resourceType: "User", lastModified: "2025-10-18T10:00:00.000Z" },
};

describe("mapUser()", () => {
  test("mapUser() maps every field of the guide's table when all are present", () => {
    const r = mapUser(fullUser);
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      ssoUserId: "507f1f77bcf86cd799439011",
      email: "john.doe@ias.co.id",
      firstName: "John",
      lastName: "Doe",
      isActive: true,
      phone: "+62 811 000",
      userId: "E-1001",
      departmentId: "dep-1",
      companyId: "co-1",
      managerId: "mgr-1",
      positionId: "pos-7",
      scimLastModified: "2025-10-18T10:00:00.000Z",
    });
  });

  test("mapUser() gives null for absent optional attributes and active true when omitted", () => {
    const r = mapUser({ id: "u2", userName: "a@b.c" });
    assert.ok(r.ok);
    assert.equal(r.value.isActive, true);
    for (
      const f of [
        "firstName",
        "lastName",
        "phone",
        "userId",
        "departmentId",
        "companyId",
        "managerId",
        "positionId",
      ]
    ) {
      assert.equal(r.value[f as keyof typeof r.value], null, f);
    }
  });

  test("mapUser() prefers the primary phone number when one is flagged", () => {
    const r = mapUser({
      id: "u3",
      userName: "p@x",
      phoneNumbers: [{ value: "1" }, { value: "2", primary: true }],
    });
    assert.ok(r.ok);
    assert.equal(r.value.phone, "2");
  });

  test("mapUser() finds x-position under its short key", () => {
    const r = mapUser({ id: "u4", userName: "s@x", "x-position": { id: "pos-1" } });
    assert.ok(r.ok);
    assert.equal(r.value.positionId, "pos-1");
  });

  test("mapUser() returns an error entry naming the field when userName is missing", () => {
    const r = mapUser({ id: "bad-1", active: true });
    assert.ok(!r.ok);
    assert.equal(r.error.resourceId, "bad-1");
    assert.equal(r.error.code, "RESOURCE_INVALID");
    assert.match(r.error.message, /userName/);
  });

  test("mapUser() returns an error entry when active is not a boolean", () => {
    const r = mapUser({ id: "bad-2", userName: "x@y", active: "maybe" });
    assert.ok(!r.ok);
    assert.match(r.error.message, /active/);
  });

  test("mapUser() returns an error entry when the enterprise extension is malformed", () => {
    const r = mapUser({ id: "bad-3", userName: "x@y", [ENT]: { department: 42 } });
    assert.ok(!r.ok);
    assert.match(r.error.message, /enterprise\.department/);
  });

  test("mapUser() returns an error entry without an id when the input is not an object", () => {
    const r = mapUser("nope");
    assert.ok(!r.ok);
    assert.equal(r.error.resourceId, null);
  });
});

describe("mapGroup()", () => {
  test("mapGroup() maps the guide's org unit table from the x-orgUnit URN", () => {
    const r = mapGroup({
      id: "g1",
      displayName: "Finance",
      "urn:aksara:params:scim:schemas:extension:x-orgUnit:2.0:Group": {
        unitType: "department",
        level: "3",
        parentUnitId: "g0",
        managerId: "u9",
      },
      meta: { lastModified: "2025-10-18T10:00:00Z" },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      _id: "g1",
      unitName: "Finance",
      unitType: "department",
      level: 3,
      parentUnitId: "g0",
      managerId: "u9",
      isActive: true,
      scimLastModified: "2025-10-18T10:00:00Z",
    });
  });

  test("mapGroup() returns an error entry when displayName is missing", () => {
    const r = mapGroup({ id: "g2" });
    assert.ok(!r.ok);
    assert.match(r.error.message, /displayName/);
  });

  test("mapGroup() returns an error entry when level is not a number", () => {
    const r = mapGroup({ id: "g3", displayName: "X", "x-orgUnit": { level: "high" } });
    assert.ok(!r.ok);
    assert.match(r.error.message, /x-orgUnit\.level/);
  });
});

describe("findExtension()", () => {
  test("extensionKeyMatches() accepts the short key, a URN ending in the name, and a versioned URN", () => {
    assert.ok(extensionKeyMatches("x-position", "x-position"));
    assert.ok(extensionKeyMatches("urn:acme:x-position", "x-position"));
    assert.ok(extensionKeyMatches(ENT, "enterprise"));
    assert.ok(!extensionKeyMatches("urn:acme:x-orgUnit:2.0:Group", "x-position"));
    assert.ok(!extensionKeyMatches("enterprise-ish", "enterprise"));
  });

  test("findExtension() prefers the exact short key over a URN key", () => {
    assert.deepEqual(
      findExtension({ "urn:a:x-position": { id: 1 }, "x-position": { id: 2 } }, "x-position"),
      { id: 2 },
    );
  });
});

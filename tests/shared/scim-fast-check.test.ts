// The copy-free checks of the SCIM shapes against the zod schemas they stand in for:
// whatever a check accepts, zod accepts unchanged; everything else is zod's to judge.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mapGroup, mapUser } from "../../shared/mapping.ts";
import {
  isPlainEnterprise,
  isPlainOrgUnit,
  isPlainPosition,
  isPlainScimGroup,
  isPlainScimUser,
} from "../../shared/scim-fast-check.ts";
import {
  EnterpriseUser,
  OrgUnitExtension,
  PositionExtension,
  ScimGroup,
  ScimUser,
} from "../../shared/scim-schemas.ts";

const user = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  id: "u1",
  externalId: "x1",
  userName: "jane@ias.co.id",
  name: { givenName: "Jane", familyName: null, formatted: "Jane" },
  displayName: "Jane",
  active: false,
  emails: [{ value: "jane@ias.co.id", primary: true, type: "work", display: "J" }],
  phoneNumbers: [{ value: "+62 811" }],
  meta: { resourceType: "User", created: "c", lastModified: "m", version: "v", location: "l" },
};

/** Each case: a change to the valid user, for the check and zod to judge alike. */
const userCases: [string, Record<string, unknown>][] = [
  ["as it is", {}],
  ["active absent", { active: undefined }],
  ["name null", { name: null }],
  ["active null", { active: null }],
  ["active a string", { active: "true" }],
  ["id empty", { id: "" }],
  ["id a number", { id: 7 }],
  ["userName missing", { userName: undefined }],
  ["schemas with a number", { schemas: ["a", 1] }],
  ["externalId null", { externalId: null }],
  ["displayName a number", { displayName: 3 }],
  ["name an array", { name: [] }],
  ["givenName a number", { name: { givenName: 1 } }],
  ["emails an object", { emails: {} }],
  ["phone primary a string", { phoneNumbers: [{ value: "1", primary: "yes" }] }],
  ["phone entry null", { phoneNumbers: [null] }],
  ["meta null", { meta: null }],
  ["meta lastModified null", { meta: { lastModified: null } }],
];

describe("isPlainScimUser()", () => {
  test("isPlainScimUser() accepts a user only when ScimUser accepts it with nothing changed but active's default", () => {
    for (const [label, change] of userCases) {
      const raw = { ...user, ...change };
      const parsed = ScimUser.safeParse(raw);
      if (isPlainScimUser(raw)) {
        assert.ok(parsed.success, `${label}: the check accepted what zod refuses`);
        assert.deepEqual(parsed.data, { ...raw, active: raw.active ?? true }, label);
      }
    }
    assert.equal(isPlainScimUser(user), true);
    assert.equal(isPlainScimUser({ ...user, active: undefined }), true);
    assert.equal(isPlainScimUser({ ...user, active: null }), false);
  });

  test("mapUser() gives zod's error for a user the check leaves to zod", () => {
    const r = mapUser({ ...user, active: "yes" });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error.message, /^User u1: active: /);
  });

  test("mapUser() maps an absent active flag to active, as zod's default does", () => {
    const r = mapUser({ id: "u2", userName: "a@ias.co.id" });
    assert.equal(r.ok && r.value.isActive, true);
  });
});

describe("extension checks", () => {
  test("isPlainEnterprise(), isPlainPosition() and isPlainOrgUnit() accept only what their schemas accept unchanged", () => {
    const cases: [(v: unknown) => boolean, { safeParse(v: unknown): unknown }, unknown[]][] = [
      [isPlainEnterprise, EnterpriseUser, [
        { employeeNumber: "E1", department: null, manager: { value: "m", displayName: null } },
        { manager: "m" },
        { manager: 5 },
        { manager: { value: 5 } },
        { organization: 1 },
        [],
      ]],
      [isPlainPosition, PositionExtension, [{ id: "p", title: null }, { id: 1 }, "p"]],
      [isPlainOrgUnit, OrgUnitExtension, [
        { unitType: "department", level: 3, parentUnitId: null },
        { unitType: "" },
        { level: "3" },
        { level: -1 },
        { level: 1.5 },
        { level: 2 ** 60 },
        { managerId: 3 },
      ]],
    ];
    for (const [check, schema, values] of cases) {
      for (const v of values) {
        if (!check(v)) continue;
        const parsed = schema.safeParse(v) as { success: boolean; data?: unknown };
        assert.ok(parsed.success, `accepted what zod refuses: ${JSON.stringify(v)}`);
        assert.deepEqual(parsed.data, v);
      }
    }
    assert.equal(isPlainOrgUnit({ level: "3" }), false);
  });

  test("mapGroup() still coerces a level given as a string, through zod", () => {
    const r = mapGroup({ id: "g1", displayName: "Finance", "x-orgUnit": { level: "3" } });
    assert.equal(r.ok && r.value.level, 3);
  });
});

describe("isPlainScimGroup()", () => {
  test("isPlainScimGroup() accepts a group only when ScimGroup accepts it unchanged", () => {
    const group = { id: "g1", displayName: "Finance", members: [{ value: "u1" }], meta: {} };
    for (
      const raw of [
        group,
        { ...group, members: null },
        { ...group, members: [{ value: 1 }] },
        { ...group, displayName: "" },
        { ...group, schemas: "x" },
      ]
    ) {
      if (!isPlainScimGroup(raw)) continue;
      const parsed = ScimGroup.safeParse(raw);
      assert.ok(parsed.success);
      assert.deepEqual(parsed.data, raw);
    }
    assert.equal(isPlainScimGroup(group), true);
    assert.equal(isPlainScimGroup({ ...group, displayName: "" }), false);
  });
});

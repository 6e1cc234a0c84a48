// The one builder of users and orgUnits documents, field by field: what a new
// document holds, what an update sets (and never sets), what a soft delete sets.
import { describe, expect, test } from "bun:test";
import type { OfmOrgUnit, OfmUser } from "../../../shared/ofm-documents.ts";
import {
  deactivationSet,
  defaultRole,
  newOrgUnitDoc,
  newUserDoc,
  orgUnitSet,
  userUpdateSet,
  versionSet,
} from "../../../runner/documents/ofm-documents.ts";

const at = new Date("2025-10-18T12:00:00.000Z");
const earlier = new Date("2025-10-01T08:00:00.000Z");
const user: OfmUser = {
  ssoUserId: "u-1",
  email: "Boss@ias.co.id",
  firstName: "John",
  lastName: "Doe",
  isActive: true,
  phone: "+62 1",
  userId: "E-1",
  departmentId: "d-1",
  companyId: "c-1",
  managerId: null,
  positionId: "p-1",
  scimLastModified: "2025-10-18T10:00:00.000Z",
};
const unit: OfmOrgUnit = {
  _id: "g-1",
  unitName: "Finance",
  unitType: "department",
  level: 3,
  parentUnitId: "g-root",
  managerId: null,
  isActive: true,
  scimLastModified: "2025-10-18T10:00:00.000Z",
};
const ALL_USER_FIELDS = [
  "email",
  "firstName",
  "lastName",
  "isActive",
  "phone",
  "userId",
  "departmentId",
  "companyId",
  "managerId",
  "positionId",
];

describe("newUserDoc()", () => {
  test("newUserDoc() holds every mapped field, the role, the parsed version, hash, timestamps and source", () => {
    expect(newUserDoc(user, { hash: "h1", at, source: "full_sync", superAdminEmails: [] })).toEqual(
      {
        ...user,
        emailKey: user.email.toLowerCase(),
        role: "employee",
        scimLastModified: new Date("2025-10-18T10:00:00.000Z"),
        syncHash: "h1",
        createdAt: at,
        updatedAt: at,
        deactivatedAt: null,
        syncSource: "full_sync",
        searchKeys: ["john", "doe", "john doe", user.email.toLowerCase()],
      },
    );
  });
  test("newUserDoc() gives super_admin to a listed email whatever its ASCII case", () => {
    expect(
      newUserDoc(user, { hash: "h", at, source: "webhook", superAdminEmails: ["boss@ias.co.id"] })
        .role,
    )
      .toBe("super_admin");
  });
  test("newUserDoc() sets deactivatedAt to at when the user arrives inactive", () => {
    expect(
      newUserDoc({ ...user, isActive: false }, {
        hash: "h",
        at,
        source: "webhook",
        superAdminEmails: [],
      }).deactivatedAt,
    )
      .toEqual(at);
  });
  test("newUserDoc() stores the given version instead of the document's when one is passed (the webhook's bounded one)", () => {
    const doc = newUserDoc(user, {
      hash: "h",
      at,
      source: "webhook",
      superAdminEmails: [],
      version: at,
    });
    expect(doc.scimLastModified).toEqual(at);
    expect(
      newUserDoc(user, { hash: "h", at, source: "webhook", superAdminEmails: [], version: null })
        .scimLastModified,
    )
      .toBeNull();
  });
  test("newUserDoc() stores null for a version that is not a date", () => {
    expect(
      newUserDoc({ ...user, scimLastModified: "yesterday" }, {
        hash: "h",
        at,
        source: "full_sync",
        superAdminEmails: [],
      })
        .scimLastModified,
    ).toBeNull();
  });
});

describe("userUpdateSet()", () => {
  test("userUpdateSet() sets the listed fields, the email's match key, isActive, version, hash, updatedAt, source and a null deactivatedAt", () => {
    expect(
      userUpdateSet(user, {
        fields: ALL_USER_FIELDS,
        hash: "h2",
        at,
        source: "delta_sync",
        deactivates: false,
      }),
    ).toEqual({
      email: user.email,
      firstName: "John",
      lastName: "Doe",
      isActive: true,
      phone: "+62 1",
      userId: "E-1",
      departmentId: "d-1",
      companyId: "c-1",
      managerId: null,
      positionId: "p-1",
      scimLastModified: new Date("2025-10-18T10:00:00.000Z"),
      syncHash: "h2",
      updatedAt: at,
      syncSource: "delta_sync",
      deactivatedAt: null,
      emailKey: user.email.toLowerCase(),
      searchKeys: ["john", "doe", "john doe", user.email.toLowerCase()],
    });
  });
  test("userUpdateSet() never sets an excluded field, the role, createdAt or ssoUserId", () => {
    const set = userUpdateSet(user, {
      fields: ALL_USER_FIELDS.filter((f) => f !== "phone"),
      hash: "h2",
      at,
      source: "full_sync",
      deactivates: false,
    });
    for (const f of ["phone", "role", "createdAt", "ssoUserId"]) {
      expect(Object.keys(set)).not.toContain(f);
    }
  });
  test("userUpdateSet() sets deactivatedAt to at when the user becomes inactive", () => {
    const set = userUpdateSet({ ...user, isActive: false }, {
      fields: ALL_USER_FIELDS,
      hash: "h",
      at,
      source: "full_sync",
      deactivates: true,
    });
    expect(set).toMatchObject({ isActive: false, deactivatedAt: at });
  });
  test("userUpdateSet() leaves deactivatedAt out when an inactive user stays inactive and no date is known", () => {
    const set = userUpdateSet({ ...user, isActive: false }, {
      fields: ALL_USER_FIELDS,
      hash: "h",
      at,
      source: "full_sync",
      deactivates: false,
    });
    expect(Object.keys(set)).not.toContain("deactivatedAt");
  });
  test("userUpdateSet() keeps the known deactivatedAt when an inactive user stays inactive", () => {
    const set = userUpdateSet({ ...user, isActive: false }, {
      fields: ALL_USER_FIELDS,
      hash: "h",
      at,
      source: "webhook",
      deactivates: false,
      inactiveSince: earlier,
    });
    expect(set.deactivatedAt).toEqual(earlier);
  });
  test("userUpdateSet() clears deactivatedAt when an inactive user is reactivated", () => {
    const set = userUpdateSet(user, {
      fields: ALL_USER_FIELDS,
      hash: "h",
      at,
      source: "webhook",
      deactivates: false,
      inactiveSince: earlier,
    });
    expect(set).toMatchObject({ isActive: true, deactivatedAt: null });
  });
});

describe("newOrgUnitDoc() and orgUnitSet()", () => {
  test("newOrgUnitDoc() keeps the SCIM id as _id and adds the bookkeeping", () => {
    expect(newOrgUnitDoc(unit, { hash: "h1", at, source: "webhook", version: earlier })).toEqual({
      ...unit,
      scimLastModified: earlier,
      syncHash: "h1",
      createdAt: at,
      updatedAt: at,
      deactivatedAt: null,
      syncSource: "webhook",
    });
  });
  test("orgUnitSet() sets every mapped field but _id, and deactivatedAt by the same rule as users", () => {
    const set = orgUnitSet({ ...unit, isActive: false }, {
      hash: "h2",
      at,
      source: "full_sync",
      deactivates: true,
    });
    expect(set).toEqual({
      unitName: "Finance",
      unitType: "department",
      level: 3,
      parentUnitId: "g-root",
      managerId: null,
      isActive: false,
      scimLastModified: new Date("2025-10-18T10:00:00.000Z"),
      syncHash: "h2",
      updatedAt: at,
      syncSource: "full_sync",
      deactivatedAt: at,
    });
    expect(
      Object.keys(
        orgUnitSet({ ...unit, isActive: false }, {
          hash: "h",
          at,
          source: "full_sync",
          deactivates: false,
        }),
      ),
    )
      .not.toContain("deactivatedAt");
  });
});

describe("deactivationSet() and versionSet()", () => {
  test("deactivationSet() marks inactive since at with an empty hash, and stores a version only when given", () => {
    expect(deactivationSet({ at, source: "full_sync" })).toEqual({
      isActive: false,
      deactivatedAt: at,
      updatedAt: at,
      syncHash: "",
      syncSource: "full_sync",
    });
    expect(deactivationSet({ at, source: "webhook", version: earlier }).scimLastModified).toEqual(
      earlier,
    );
  });
  test("versionSet() moves only the version, updatedAt and source", () => {
    expect(versionSet({ at, source: "webhook", version: earlier })).toEqual({
      scimLastModified: earlier,
      updatedAt: at,
      syncSource: "webhook",
    });
  });
});

describe("defaultRole()", () => {
  test("defaultRole() is employee for an email not listed", () => {
    expect(defaultRole("someone@ias.co.id", ["boss@ias.co.id"])).toBe("employee");
  });
});

import { describe, expect, test } from "bun:test";
import type { OfmUser } from "../../../shared/ofm-documents.ts";
import { compareFields, verdict, type VerdictInput } from "../../../runner/inspect/verdict.ts";

const jane: OfmUser = {
  ssoUserId: "u-1",
  email: "jane@ias.co.id",
  firstName: "Jane",
  lastName: "Doe",
  isActive: true,
  phone: null,
  userId: "EMP1",
  departmentId: "D-1",
  companyId: "C-1",
  managerId: null,
  positionId: null,
  scimLastModified: "2025-10-18T10:00:00Z",
};
const base: VerdictInput = {
  ofm: { ...jane },
  live: { kind: "ok", user: jane },
  excludeFields: [],
  held: 0,
  lastFilter: null,
};
const causes = (i: Partial<VerdictInput>) => verdict({ ...base, ...i }).map((f) => f.cause);

describe("verdict()", () => {
  test("`verdict()` says in_sync when every synced field matches", () => {
    expect(causes({})).toEqual(["in_sync"]);
  });
  test("`verdict()` says out_of_date naming the field when OFM's department differs", () => {
    const v = verdict({ ...base, ofm: { ...jane, departmentId: "D-OLD" } });
    expect(v.map((f) => f.cause)).toEqual(["out_of_date"]);
    expect(v[0]!.text).toContain("departmentId");
  });
  test("`verdict()` says inactive_in_sso when the SSO has active: false", () => {
    expect(causes({ live: { kind: "ok", user: { ...jane, isActive: false } } })).toContain(
      "inactive_in_sso",
    );
  });
  test("`verdict()` says excluded_field, not out_of_date, when the differing field is in SYNC_EXCLUDE_FIELDS", () => {
    expect(causes({ ofm: { ...jane, phone: "+62 own" }, excludeFields: ["phone"] })).toEqual([
      "excluded_field",
    ]);
  });
  test("`verdict()` says outside_filter when OFM lacks the person and the last full run was filtered", () => {
    const v = verdict({ ...base, ofm: null, lastFilter: 'userName sw "a"' });
    expect(v.map((f) => f.cause)).toEqual(["outside_filter"]);
    expect(v[0]!.text).toContain('userName sw "a"');
  });
  test("`verdict()` says not_in_ofm when OFM lacks the person and no filter explains it", () => {
    expect(causes({ ofm: null })).toEqual(["not_in_ofm"]);
  });
  test("`verdict()` says malformed with the zod path when the SSO's record does not map", () => {
    const message = "User u-1: emails.0.value: Invalid email";
    const v = verdict({ ...base, live: { kind: "invalid", message } });
    expect(v.map((f) => f.cause)).toEqual(["malformed"]);
    expect(v[0]!.text).toContain("emails.0.value");
  });
  test("`verdict()` says held_by_guard first when webhook events about the person are held", () => {
    expect(causes({ held: 2, live: { kind: "absent" } })).toEqual(["held_by_guard", "not_in_sso"]);
  });
  test("`verdict()` says not_in_sso when the SSO answers 404", () => {
    const v = verdict({ ...base, live: { kind: "absent" } });
    expect(v.map((f) => f.cause)).toEqual(["not_in_sso"]);
    expect(v[0]!.text).toContain("404");
  });
  test("`verdict()` says sso_unreachable when the SSO could not be asked", () => {
    expect(causes({ live: { kind: "unreachable", message: "timeout" } })).toEqual([
      "sso_unreachable",
    ]);
  });
});

describe("compareFields()", () => {
  test("`compareFields()` marks an excluded differing field as such", () => {
    const rows = compareFields({ ...jane, phone: "x" }, jane, ["phone"]);
    expect(rows.find((r) => r.field === "phone")).toEqual({
      field: "phone",
      ofm: "x",
      sso: null,
      equal: false,
      excluded: true,
    });
    expect(rows.filter((r) => !r.equal)).toHaveLength(1);
  });
});

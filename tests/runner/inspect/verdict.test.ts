import { describe, expect, test } from "bun:test";
import type { OfmUser } from "../../../shared/ofm-documents.ts";
import {
  compareFields,
  stepState,
  verdict,
  type VerdictInput,
} from "../../../runner/inspect/verdict.ts";
import { advice, findingText } from "../../../runner/inspect/verdict-words.ts";
import { EVENT_ABANDONED } from "../../../runner/store/collections.ts";

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
  test("`verdict()` says webhook_missing naming the field when the SSO changed it and no event came", () => {
    const v = verdict({ ...base, ofm: { ...jane, departmentId: "D-OLD" } });
    expect(v.map((f) => f.cause)).toEqual(["webhook_missing"]);
    expect(v[0]!.text).toContain("departmentId");
    expect(v[0]!.text).toContain("none is recorded");
    expect(v[0]!.action).toBe("sync_now");
  });
  test("`verdict()` says ofm_edited, not a lost webhook, when the stored fields no longer match their hash", () => {
    const v = verdict({ ...base, ofm: { ...jane, departmentId: "D-OLD" }, ofmEdited: true });
    expect(v.map((f) => f.cause)).toEqual(["ofm_edited"]);
    expect(v[0]!.text).toContain("edited in OFM itself");
  });
  test("`verdict()` says webhook_failed with the event's error when the change's event failed", () => {
    const written = new Date("2025-10-18T09:00:00Z");
    const v = verdict({
      ...base,
      ofm: { ...jane, departmentId: "D-OLD", updatedAt: written },
      events: [{ receivedAt: new Date("2025-10-18T10:00:01Z"), status: "failed", error: "E11000" }],
      time: (d) => d.toISOString().slice(11, 19),
    });
    expect(v.map((f) => f.cause)).toEqual(["webhook_failed"]);
    expect(v[0]!.text).toContain("received 10:00:01 failed (E11000)");
  });
  test("`verdict()` says an event a stopped runner left unfinished was never finished, not the sweep's whole error", () => {
    const v = verdict({
      ...base,
      ofm: { ...jane, departmentId: "D-OLD", updatedAt: new Date("2025-10-18T09:00:00Z") },
      events: [{
        receivedAt: new Date("2025-10-18T10:00:01Z"),
        status: "failed",
        error: EVENT_ABANDONED,
      }],
      time: (d) => d.toISOString().slice(11, 19),
    });
    expect(v.map((f) => f.cause)).toEqual(["webhook_failed"]);
    expect(v[0]!.text).toContain(
      "received 10:00:01 was never finished: the runner applying it stopped. The next full sync",
    );
  });
  test("`verdict()` reads only events after OFM's last write: an older failure is not the cause", () => {
    const v = verdict({
      ...base,
      ofm: { ...jane, departmentId: "D-OLD", updatedAt: new Date("2025-10-18T11:00:00Z") },
      events: [{ receivedAt: new Date("2025-10-18T10:00:00Z"), status: "failed", error: "old" }],
    });
    expect(v.map((f) => f.cause)).toEqual(["webhook_missing"]);
  });
  test("`verdict()` says in_sync (in step) when the person is gone from the SSO and inactive in OFM", () => {
    const v = verdict({ ...base, ofm: { ...jane, isActive: false }, live: { kind: "absent" } });
    expect(v.map((f) => f.cause)).toEqual(["in_sync"]);
    expect(v[0]!.text).toStartWith("In step");
    expect(stepState(v)).toBe("in_step");
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

describe("advice()", () => {
  const ctx = { key: "jane@ias.co.id", nextFullSync: "2025-10-18 18:00:00 UTC" };
  test("`advice()` names the page's button on the page and the command on the command line", () => {
    expect(advice("sync_now", "page", ctx)).toContain('"Sync now" below');
    expect(advice("sync_now", "cli", ctx)).toContain("npm run sync -- --user jane@ias.co.id");
    expect(advice("sync_now", "cli", ctx)).not.toMatch(/press|button|below/i);
    expect(advice("sync_now", "page", ctx)).toContain("next full sync: 2025-10-18 18:00:00 UTC");
  });
  test("`findingText()` never tells a command-line reader to press anything", () => {
    for (const f of verdict({ ...base, ofm: null })) {
      expect(findingText(f, "cli", ctx)).not.toMatch(/press/i);
    }
    expect(advice("approve_held", "cli", ctx)).toContain("--apply-held");
  });
});

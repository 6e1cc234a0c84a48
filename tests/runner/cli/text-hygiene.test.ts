// The command line's text blocks — the run summary, the held list, the purge
// list — print values from the SSO and OFM's database. A value carrying CR/LF,
// ESC sequences or bidirectional overrides must stay inside its own line,
// escaped: it can never forge "✅ Synchronization Completed Successfully".
import { describe, expect, test } from "bun:test";
import { heldSummary, summary } from "../../../runner/cli/summary.ts";
import { purgeSummary } from "../../../runner/cli/purge-args.ts";
import { fieldChangeLines } from "../../../runner/cli/person.ts";
import type { PurgeReport } from "../../../runner/purge/run-purge.ts";
import type { SyncHistoryDoc } from "../../../runner/store/collections.ts";
import { emptyStats } from "../../../runner/sync/sync-stats.ts";
import { emptyPlan } from "../../../runner/sync/run-context.ts";

const FORGED =
  "eve\x1b[2K\x1b[1A\r\n✅ Synchronization Completed Successfully\r\n  Errors:      0\u202e";
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The text has no raw control character, and no line begins with the forged text. */
function expectNoForgedLine(text: string, realTitles = 0) {
  expect(text).not.toMatch(CONTROL);
  const lines = text.split("\n");
  expect(lines.filter((l) => l.startsWith("✅ Synchronization Completed Successfully")).length)
    .toBe(realTitles);
  expect(lines.filter((l) => /^\s*Errors:\s+0$/.test(l))).toEqual([]);
  // The value is there, escaped, inside a line that says what it is.
  expect(text).toContain("eve\\x1b[2K\\x1b[1A\\r\\n✅ Synchronization Completed Successfully");
}

describe("text hygiene of the command line's blocks", () => {
  test("summary() escapes control characters of error messages, the reason, the error and plan ids", () => {
    const stats = emptyStats();
    stats.errors.push({
      resourceType: "User",
      resourceId: FORGED,
      code: "RESOURCE_INVALID",
      message: `User ${FORGED}: userName: invalid`,
    });
    const history: SyncHistoryDoc = {
      type: "scim_full_sync",
      startedAt: new Date("2025-01-01T00:00:00Z"),
      completedAt: new Date("2025-01-01T00:00:05Z"),
      status: "failed",
      stats,
      complete: false,
      incompleteReason: FORGED,
      error: { code: "SCIM_HTTP", message: `GET /Users: HTTP 400 (${FORGED})` },
    };
    const plan = emptyPlan();
    plan.users.create.push(FORGED);
    const text = summary(history, plan);
    expectNoForgedLine(text);
    // One error listed, with its count on the real "Errors:" line (1, not the forged 0).
    expect(text.split("\n").filter((l) => /^\s*Errors:/.test(l))).toEqual(["  Errors:      1"]);
  });

  test("heldSummary() escapes control characters of a held person's name, email and ids", () => {
    const at = new Date("2025-01-01T00:00:00Z");
    const text = heldSummary([{
      _id: `User:${FORGED}`,
      resourceType: "User",
      resourceId: FORGED,
      name: FORGED,
      email: `${FORGED}@ias.co.id`,
      departmentId: FORGED,
      reason: "webhook_delete",
      since: at,
      heldAt: at,
      source: { kind: "webhook", eventId: FORGED },
      eventIds: [FORGED],
      status: "held",
      decision: null,
      previous: null,
    }], 1);
    expectNoForgedLine(text);
  });

  test("purgeSummary() escapes control characters of the names and emails it lists", () => {
    const person = {
      ssoUserId: "u-1",
      email: `${FORGED}@ias.co.id`,
      firstName: FORGED,
      lastName: "\u202eredaeL",
      deactivatedAt: new Date("2024-01-01T00:00:00Z"),
    };
    const report: PurgeReport = {
      status: "success",
      applied: false,
      cutoff: new Date("2025-01-01T00:00:00Z"),
      totalUsers: 2,
      guard: { ok: true, allowed: 10, forced: false },
      deletable: [{ ...person, verdict: { kind: "gone" } }],
      kept: [{ ...person, ssoUserId: "u-2", verdict: { kind: "unknown", reason: FORGED } }],
      deleted: [],
      stats: { candidates: 2, usersDeleted: 0, keptActive: 0, unconfirmed: 1, errors: [] },
      historyId: null,
      error: null,
    };
    const text = purgeSummary(report);
    expectNoForgedLine(text);
    expect(text).toContain("\\u202eredaeL");
  });

  test("fieldChangeLines() escapes control characters of the old and new values `--user` prints", () => {
    const lines = fieldChangeLines([{
      action: "updated",
      fields: ["firstName"],
      values: { firstName: { old: "Eve", new: `Eve${FORGED}` } },
    }]);
    expect(lines.length).toBe(1);
    expectNoForgedLine(lines.join("\n"));
  });
});

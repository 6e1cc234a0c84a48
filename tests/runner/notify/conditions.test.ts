// The conditions evaluated from what is recorded (pure).
import { describe, expect, test } from "bun:test";
import {
  type ConditionKind,
  evaluateConditions,
  type NotifyFacts,
  type RunFacts,
} from "../../../runner/notify/conditions.ts";

let seq = 0;
const T0 = Date.parse("2025-10-18T00:00:00Z");
/** Runs given oldest first, one an hour apart (later calls later still). */
function runs(...specs: Partial<RunFacts>[]): RunFacts[] {
  return specs.map((s) => {
    const i = ++seq;
    return {
      id: `r${i}`,
      type: "scim_full_sync",
      status: "success",
      startedAt: new Date(T0 + i * 3_600_000),
      completedAt: new Date(T0 + i * 3_600_000 + 60_000),
      errors: [],
      ...s,
    };
  });
}
const quiet = { active: false, failures: 0, since: null, lastError: null, intervalMs: 86_400_000 };
const facts = (r: RunFacts[], more: Partial<NotifyFacts> = {}): NotifyFacts => ({
  runs: r,
  held: { count: 0, oldestId: null },
  quarantine: quiet,
  ...more,
});
const kinds = (f: NotifyFacts, failures = 3): ConditionKind[] =>
  evaluateConditions(f, { failures }).map((c) => c.kind).sort();
const err = (message: string) => ({ code: "X", message });

describe("evaluateConditions()", () => {
  test("nothing after a clean complete run", () => {
    expect(kinds(facts(runs({}, {})))).toEqual([]);
  });

  test("failing: N scheduled runs failed in a row, its episode the run that reached N (stable after)", () => {
    const r = runs({}, { status: "failed", error: err("a") }, { status: "failed" }, {
      status: "failed",
      error: err("HTTP 500"),
    });
    const [c] = evaluateConditions(facts(r), { failures: 3 });
    // The third failure in a row reached the threshold: it names the episode from then on.
    expect(c).toMatchObject({ kind: "failing", episode: r[3]!.id, severity: "critical" });
    expect(c!.detail).toContain("HTTP 500");
    const more = [...r, ...runs({ status: "failed" })];
    expect(evaluateConditions(facts(more), { failures: 3 })[0]!.episode).toBe(r[3]!.id);
    expect(kinds(facts(r.slice(0, 3)))).toEqual([]); // two failures: not yet
  });

  test("interrupted runs neither count nor break the streak; a success ends it", () => {
    const r = runs({ status: "failed" }, { status: "interrupted" }, { status: "failed" }, {
      status: "failed",
    });
    expect(kinds(facts(r))).toContain("failing");
    expect(kinds(facts([...r, ...runs({ status: "success" })]))).not.toContain("failing");
  });

  test("guard_abort: the last full sync aborted; a later delta success does not hide it", () => {
    const r = runs({ status: "aborted", error: err("30 > 20") }, {
      type: "scim_delta_sync",
      status: "success",
    });
    const c = evaluateConditions(facts(r), { failures: 3 }).find((c) => c.kind === "guard_abort");
    expect(c?.episode).toBe(r[0]!.id);
  });

  test("incomplete: a full sync whose listing was not proven complete", () => {
    const r = runs({ complete: false, incompleteReason: "totalResults 100, got 80" });
    const [c] = evaluateConditions(facts(r), { failures: 3 });
    expect(c).toMatchObject({ kind: "incomplete", severity: "warning" });
    expect(c!.detail).toContain("totalResults 100, got 80");
  });

  test("partial: a run completed with write errors", () => {
    expect(kinds(facts(runs({ status: "partial" })))).toEqual(["partial"]);
  });

  test("conflicts: the same resource refused for a duplicate key in consecutive runs, not in one", () => {
    const dup = (id: string) => ({ resourceType: "User", resourceId: id, code: "DUPLICATE_KEY" });
    const once = runs({}, { errors: [dup("u1")] });
    expect(kinds(facts(once))).toEqual([]);
    const twice = runs({ errors: [dup("u1"), dup("u2")] }, { errors: [dup("u1")] });
    const [c] = evaluateConditions(facts(twice), { failures: 3 });
    expect(c).toMatchObject({ kind: "conflicts", episode: twice[0]!.id });
    expect(c!.detail).toContain("User u1");
    expect(c!.detail).not.toContain("u2");
  });

  test("held: deletions held, the oldest event its episode", () => {
    const [c] = evaluateConditions(facts(runs({}), { held: { count: 105, oldestId: "evt-1" } }), {
      failures: 3,
    });
    expect(c).toMatchObject({
      kind: "held",
      episode: "evt-1",
      title: "105 deactivation(s) held by the gate",
    });
  });

  test("quarantine: told with the interval and the last error", () => {
    const since = new Date(T0);
    const [c] = evaluateConditions(
      facts([], {
        quarantine: {
          active: true,
          failures: 10,
          since,
          lastError: "HTTP 503",
          intervalMs: 86_400_000,
        },
      }),
      { failures: 30 },
    );
    expect(c).toMatchObject({ kind: "quarantine", episode: since.toISOString() });
    expect(c!.detail).toContain("every 24 h");
    expect(c!.detail).toContain("HTTP 503");
  });

  test("on-demand, filtered and dry runs are not scheduled runs", () => {
    const r = runs(
      { type: "scim_user_sync", status: "failed" },
      { status: "failed", filter: 'userName eq "a"' },
      { status: "failed", dryRun: true },
    );
    expect(kinds(facts(r), 1)).toEqual([]);
  });
});

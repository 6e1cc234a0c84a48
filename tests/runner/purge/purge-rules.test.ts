// The purge's pure decisions at their edges: the one-day floor of --inactive-for, PURGE_MAX
// as a count and as a share (rounded down, at the limit exactly), and each answer of the SSO
// that does or does not confirm a departure. Written for the mutants that survived the
// purge's own end-to-end tests (README, "Testing": the mutation check).
import { describe, expect, test } from "bun:test";
import { ScimHttpError } from "../../../shared/errors.ts";
import {
  directoryVerdict,
  MIN_INACTIVE_MS,
  parseInactiveFor,
  purgeGuard,
} from "../../../runner/purge/purge-rules.ts";

describe("parseInactiveFor()", () => {
  test("parseInactiveFor() accepts exactly one day and refuses a millisecond less", () => {
    expect(MIN_INACTIVE_MS).toBe(86_400_000);
    expect(parseInactiveFor("1d")).toBe(86_400_000);
    expect(parseInactiveFor("86400000ms")).toBe(86_400_000);
    expect(parseInactiveFor("86399999ms")).toBe(null);
    expect(parseInactiveFor("86400001ms")).toBe(86_400_001);
    expect(parseInactiveFor("90d")).toBe(90 * 86_400_000);
    expect(parseInactiveFor("soon")).toBe(null);
  });
});

describe("purgeGuard()", () => {
  test("purgeGuard() allows exactly PURGE_MAX candidates as a count and refuses one more", () => {
    expect(purgeGuard(1000, 5000, { kind: "count", value: 1000 })).toEqual({
      ok: true,
      allowed: 1000,
    });
    expect(purgeGuard(1001, 5000, { kind: "count", value: 1000 })).toEqual({
      ok: false,
      allowed: 1000,
    });
  });

  test("purgeGuard() takes a share of all users, rounded down, and allows exactly it", () => {
    // 5% of 1,010 is 50.5: 50 may go, 51 may not.
    expect(purgeGuard(50, 1010, { kind: "percent", value: 5 })).toEqual({ ok: true, allowed: 50 });
    expect(purgeGuard(51, 1010, { kind: "percent", value: 5 })).toEqual({
      ok: false,
      allowed: 50,
    });
    expect(purgeGuard(200, 1000, { kind: "percent", value: 20 }).allowed).toBe(200);
  });

  test("purgeGuard() allows nothing as a share of no users, even a nonsense negative total", () => {
    expect(purgeGuard(0, 0, { kind: "percent", value: 50 })).toEqual({ ok: true, allowed: 0 });
    expect(purgeGuard(1, -10, { kind: "percent", value: 50 })).toEqual({ ok: false, allowed: 0 });
    expect(purgeGuard(1, 0, { kind: "percent", value: 100 })).toEqual({ ok: false, allowed: 0 });
  });
});

describe("directoryVerdict()", () => {
  const failed = (status: number, scimError = true) =>
    directoryVerdict("u1", {
      ok: false,
      error: new ScimHttpError("GET /Users/u1", status, "detail", { scimError }),
    });

  test("directoryVerdict() reads a 404 with a SCIM error body as gone, one without as unproven, any other error as unknown", () => {
    expect(failed(404)).toEqual({ kind: "gone" });
    expect(failed(404, false).kind).toBe("unproven");
    expect(failed(500).kind).toBe("unknown");
    expect(failed(403).kind).toBe("unknown");
    expect(directoryVerdict("u1", { ok: false, error: new Error("socket hang up") })).toEqual({
      kind: "unknown",
      reason: "socket hang up",
    });
  });

  test("directoryVerdict() keeps the user when the answer is no object or another resource", () => {
    for (const body of [null, "u1", 42, { id: "u2", active: false }, { active: false }]) {
      expect(directoryVerdict("u1", { ok: true, body })).toEqual({
        kind: "unknown",
        reason: "the SSO answered with another resource",
      });
    }
  });

  test("directoryVerdict() confirms only active: false, keeps active: true and a missing flag", () => {
    expect(directoryVerdict("u1", { ok: true, body: { id: "u1", active: false } })).toEqual({
      kind: "inactive",
    });
    expect(directoryVerdict("u1", { ok: true, body: { id: "u1", active: true } })).toEqual({
      kind: "active",
    });
    expect(directoryVerdict("u1", { ok: true, body: { id: "u1" } }).kind).toBe("unknown");
    expect(directoryVerdict("u1", { ok: true, body: { id: "u1", active: "false" } }).kind).toBe(
      "unknown",
    );
  });
});

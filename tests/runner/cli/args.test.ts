// The flags of `npm run sync`.
import { describe, expect, test } from "bun:test";
import { parseSyncArgs, USAGE } from "../../../runner/cli/args.ts";
import { ConfigError } from "../../../shared/errors.ts";

describe("parseSyncArgs()", () => {
  test("parseSyncArgs() gives every flag off when none is given", () => {
    expect(parseSyncArgs([])).toEqual({
      dryRun: false,
      json: false,
      force: false,
      applyHeld: false,
      retryNow: false,
      help: false,
    });
  });

  test("parseSyncArgs() reads each flag and the filter", () => {
    expect(
      parseSyncArgs([
        "--dry-run",
        "--json",
        "--force",
        "--apply-held",
        "--filter",
        'userName eq "a@x"',
      ]),
    ).toEqual({
      dryRun: true,
      json: true,
      force: true,
      applyHeld: true,
      retryNow: false,
      help: false,
      filter: 'userName eq "a@x"',
    });
    expect(parseSyncArgs(["-h"]).help).toBe(true);
    expect(parseSyncArgs(["--retry-now"]).retryNow).toBe(true);
    expect(parseSyncArgs(["--filter=active eq true"]).filter).toBe("active eq true");
  });

  test("parseSyncArgs() drops a blank filter instead of syncing with an empty one", () => {
    expect("filter" in parseSyncArgs(["--filter", "   "])).toBe(false);
  });

  test("parseSyncArgs() throws a ConfigError with the usage for an unknown flag or a stray word", () => {
    for (const argv of [["--dryrun"], ["full"], ["--filter"]]) {
      let error: unknown;
      try {
        parseSyncArgs(argv);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(USAGE.split("\n")[0]!);
    }
  });
});

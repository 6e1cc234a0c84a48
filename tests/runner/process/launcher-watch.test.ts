import { describe, expect, test } from "bun:test";
import {
  type Ancestry,
  launchedByNpm,
  launcherGone,
  parentOf,
  watchLauncher,
} from "../../../runner/process/launcher-watch.ts";
import { interruptedExitCode } from "../../../runner/process/stop-request.ts";

describe("launcherGone()", () => {
  const start: Ancestry = { ppid: 40, grandPpid: 30 };
  test("is true when this process was re-parented (the shell or npm died)", () => {
    expect(launcherGone(start, { ppid: 1, grandPpid: 0 })).toBe(true);
  });
  test("is true when the parent was re-parented (npm died, its shell lives on)", () => {
    expect(launcherGone(start, { ppid: 40, grandPpid: 1 })).toBe(true);
  });
  test("is false while both are as they were, or the grandparent cannot be read", () => {
    expect(launcherGone(start, { ppid: 40, grandPpid: 30 })).toBe(false);
    expect(launcherGone(start, { ppid: 40, grandPpid: null })).toBe(false);
    expect(launcherGone({ ppid: 40, grandPpid: null }, { ppid: 40, grandPpid: 1 })).toBe(false);
  });
});

describe("launchedByNpm()", () => {
  test("is true under npm (npm_command or npm_lifecycle_event), false for a supervisor", () => {
    expect(launchedByNpm({ npm_command: "run-script" })).toBe(true);
    expect(launchedByNpm({ npm_lifecycle_event: "start" })).toBe(true);
    expect(launchedByNpm({ INVOCATION_ID: "abc" })).toBe(false);
  });
});

describe("parentOf()", () => {
  test("reads this process's parent from /proc as process.ppid says", () => {
    expect(parentOf(process.pid)).toBe(process.ppid);
  });
  test("is null for a process that does not exist", () => {
    expect(parentOf(2 ** 30)).toBeNull();
  });
});

describe("watchLauncher()", () => {
  test("calls onGone once when the ancestry changes, and not before", async () => {
    let now: Ancestry = { ppid: 40, grandPpid: 30 };
    let reads = 0;
    let readThrice!: () => void;
    const thrice = new Promise<void>((r) => (readThrice = r));
    let calls = 0;
    let gone!: () => void;
    const seen = new Promise<void>((r) => (gone = r));
    const stop = watchLauncher({
      atStart: now,
      read: () => {
        if (++reads === 3) readThrice();
        return now;
      },
      everyMs: 5,
      onGone: () => {
        calls++;
        gone();
      },
    });
    await thrice; // looked three times at an unchanged ancestry
    expect(calls).toBe(0);
    now = { ppid: 1, grandPpid: 0 };
    await seen;
    const readsWhenGone = reads;
    stop();
    expect(calls).toBe(1);
    expect(reads).toBe(readsWhenGone); // it stopped looking once gone
  });
});

describe("interruptedExitCode()", () => {
  test("is 128 + the signal: 143 SIGTERM, 130 SIGINT, 129 for a vanished launcher (a hang-up)", () => {
    expect(interruptedExitCode("SIGTERM")).toBe(143);
    expect(interruptedExitCode("SIGINT")).toBe(130);
    expect(interruptedExitCode("launcher gone")).toBe(129);
  });
});

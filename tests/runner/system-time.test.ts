// The real clock and timer the daemon runs on (tests elsewhere inject fake ones).
// Each timer test awaits the callback itself, never a sleep.
import { describe, expect, test } from "bun:test";
import { systemClock, systemTimer } from "../../runner/system-time.ts";

describe("systemClock", () => {
  test("systemClock.now() reads the wall clock", () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe("systemTimer", () => {
  test("systemTimer.setTimer() calls back once when its time has come", async () => {
    let calls = 0;
    const started = Date.now();
    await new Promise<void>((resolve) => {
      systemTimer.setTimer(5, () => {
        calls++;
        resolve();
      });
    });
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4); // setTimeout may round down by a millisecond
  });

  test("systemTimer.setTimer() never calls back once cancelled, while a later timer still fires", async () => {
    let cancelledCalls = 0;
    const cancel = systemTimer.setTimer(0, () => void cancelledCalls++);
    cancel();
    // A timer armed after the cancelled one fires after it would have: awaiting it is the proof.
    await new Promise<void>((resolve) => systemTimer.setTimer(10, resolve));
    expect(cancelledCalls).toBe(0);
  });

  test("systemTimer.setTimer() treats a negative delay as now and keeps a failing callback from throwing", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      await new Promise<void>((resolve) => {
        systemTimer.setTimer(-100, () => {
          resolve();
          throw new Error("callback failed");
        });
      });
      await new Promise<void>((resolve) => systemTimer.setTimer(0, resolve));
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);
  });

  test("systemTimer.setTimer() accepts a delay past setTimeout's 24.8-day limit without firing early", async () => {
    let fired = false;
    const cancel = systemTimer.setTimer(3_000_000_000, () => void (fired = true));
    await new Promise<void>((resolve) => systemTimer.setTimer(10, resolve));
    cancel();
    expect(fired).toBe(false);
  });
});

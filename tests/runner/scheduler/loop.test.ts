// The scheduler's state and its small moves: one timer at a time, failures that back off.
import { describe, expect, test } from "bun:test";
import { silentLogger } from "../../../shared/logger.ts";
import { createLease } from "../../../runner/lease.ts";
import {
  arm,
  armIn,
  disarm,
  failureBackoff,
  initialState,
  type Loop,
} from "../../../runner/scheduler/loop.ts";
import { BACKOFF_START_MS } from "../../../runner/scheduler/schedule.ts";
import type { SchedulerDeps } from "../../../runner/scheduler/types.ts";
import { createFakeTime } from "../support/fake-time.ts";
import { fakeEngine, memoryLeaseStore } from "../support/fakes.ts";

const start = new Date("2025-10-18T00:00:00Z");

function loopWith(ticks: boolean[]) {
  const time = createFakeTime(start);
  const deps: SchedulerDeps = {
    clock: time.clock,
    timer: time.timer,
    lease: createLease({
      store: memoryLeaseStore(time.clock.now),
      owner: "r1",
      ttlMs: 60_000,
      timer: time.timer,
      logger: silentLogger,
    }),
    runSync: fakeEngine([], time.clock.now).runSync,
    recentHistory: () => Promise.resolve([]),
    deltaSupported: () => Promise.resolve(false),
    logger: silentLogger,
    config: {
      intervalMs: 3_600_000,
      deltaIntervalMs: 600_000,
      jitterMs: 0,
      syncOnStart: false,
      leaseTtlMs: 60_000,
    },
  };
  const loop: Loop = {
    deps,
    random: () => 0,
    s: initialState(start),
    tick: (_loop, force) => {
      ticks.push(force);
      return Promise.resolve();
    },
  };
  return { loop, time };
}

describe("arm()", () => {
  test("arm() replaces the armed timer, so only the last one ticks", async () => {
    const ticks: boolean[] = [];
    const { loop, time } = loopWith(ticks);
    arm(loop, new Date(start.getTime() + 1000), "full");
    armIn(loop, 5000, "delta", true);
    expect(time.pending()).toBe(1);
    expect(loop.s).toMatchObject({ nextAt: new Date(start.getTime() + 5000), nextType: "delta" });
    await time.advance(5000);
    expect(ticks).toEqual([true]);
    expect(loop.s.cancelTimer).toBeNull();
  });

  test("disarm() cancels the timer and forgets the next run", async () => {
    const ticks: boolean[] = [];
    const { loop, time } = loopWith(ticks);
    armIn(loop, 1000, "full");
    disarm(loop);
    await time.advance(2000);
    expect(ticks).toEqual([]);
    expect(loop.s).toMatchObject({ nextAt: null, nextType: null, cancelTimer: null });
  });
});

describe("failureBackoff()", () => {
  test("failureBackoff() counts each failure and waits longer after each", () => {
    const { loop } = loopWith([]);
    const first = failureBackoff(loop);
    const second = failureBackoff(loop);
    expect(loop.s.localErrors).toBe(2);
    expect(first).toBe(BACKOFF_START_MS);
    expect(second).toBeGreaterThan(first);
  });
});

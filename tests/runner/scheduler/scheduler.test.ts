import { describe, expect, test } from "bun:test";
import { silentLogger } from "../../../shared/logger.ts";
import { createLease } from "../../../runner/lease.ts";
import { createScheduler, type SchedulerDeps } from "../../../runner/scheduler/scheduler.ts";
import type { SyncHistoryDoc } from "../../../runner/store/collections.ts";
import { createFakeTime } from "../support/fake-time.ts";
import { fakeEngine, historyDoc, memoryLeaseStore } from "../support/fakes.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const START = new Date("2025-10-18T00:00:00.000Z");

function setup(opts: {
  syncOnStart?: boolean;
  deltaSupported?: boolean;
  auto?: SyncHistoryDoc["status"];
  throws?: boolean;
  history?: SyncHistoryDoc[];
} = {}) {
  const time = createFakeTime(START);
  const store = memoryLeaseStore(time.clock.now);
  const history: SyncHistoryDoc[] = opts.history ?? [];
  const engine = fakeEngine(history, time.clock.now, { auto: opts.auto, throws: opts.throws });
  const finished: SyncHistoryDoc[] = [];
  const failures: number[] = [];
  const make = (owner: string, engineRun = engine.runSync) => {
    const lease = createLease({
      store,
      owner,
      ttlMs: 30 * S,
      timer: time.timer,
      logger: silentLogger,
    });
    const deps: SchedulerDeps = {
      clock: time.clock,
      timer: time.timer,
      random: () => 0,
      lease,
      runSync: engineRun,
      recentHistory: async () => [...history],
      deltaSupported: async () => opts.deltaSupported ?? false,
      logger: silentLogger,
      onRunFinished: (h) => finished.push(h),
      onConsecutiveFailures: (n) => failures.push(n),
      config: {
        intervalMs: 6 * H,
        deltaIntervalMs: 15 * M,
        jitterMs: 0,
        syncOnStart: opts.syncOnStart ?? true,
        leaseTtlMs: 30 * S,
      },
    };
    return { scheduler: createScheduler(deps), lease };
  };
  return { time, store, history, engine, finished, failures, make };
}

describe("createScheduler()", () => {
  test("start() runs a full sync at once when SYNC_ON_START, then plans one interval later", async () => {
    const { time, engine, finished, make } = setup({ auto: "success" });
    const { scheduler } = make("a");
    scheduler.start();
    await time.advance(0);
    await scheduler.idle();
    expect(engine.runs.map((r) => r.options.type)).toEqual(["full"]);
    expect(finished.map((h) => h.status)).toEqual(["success"]);
    expect(scheduler.nextRunAt?.toISOString()).toBe(
      new Date(START.getTime() + 6 * H).toISOString(),
    );
    expect(scheduler.nextRunType).toBe("full");
  });

  test("start() waits for the interval when SYNC_ON_START is false and a sync succeeded recently", async () => {
    const { time, engine, make } = setup({
      syncOnStart: false,
      auto: "success",
      history: [historyDoc("full", "success", new Date(START.getTime() - 1 * H))],
    });
    const { scheduler } = make("a");
    scheduler.start();
    await time.advance(5 * H - 1);
    expect(engine.runs.length).toBe(0);
    await time.advance(1);
    await scheduler.idle();
    expect(engine.runs.length).toBe(1);
  });

  test("start() waits one interval when SYNC_ON_START is false and no sync ever succeeded", async () => {
    const { time, engine, make } = setup({ syncOnStart: false, auto: "success" });
    const { scheduler } = make("a");
    scheduler.start();
    await time.advance(6 * H - 1);
    expect(engine.runs.length).toBe(0);
    await time.advance(1);
    await scheduler.idle();
    expect(engine.runs.map((r) => r.options.type)).toEqual(["full"]);
  });

  test("the loop runs deltas between fulls with since = last success minus 2 minutes when deltas are supported", async () => {
    const { time, engine, make } = setup({ auto: "success", deltaSupported: true });
    const { scheduler } = make("a");
    scheduler.start();
    await time.advance(0);
    await scheduler.idle();
    expect(scheduler.nextRunType).toBe("delta");
    await time.advance(15 * M);
    await scheduler.idle();
    const delta = engine.runs[1]!;
    expect(delta.options.type).toBe("delta");
    expect(delta.options.since?.toISOString()).toBe(
      new Date(START.getTime() - 2 * M).toISOString(),
    );
    await time.advance(6 * H - 15 * M);
    await scheduler.idle();
    const types = engine.runs.map((r) => r.options.type);
    expect(types.filter((t) => t === "full").length).toBe(2);
    expect(types.length).toBe(1 + 23 + 1);
  });

  test("the loop backs off 1, 2, 4 minutes after consecutive failures", async () => {
    const { time, engine, make } = setup({ auto: "failed" });
    const { scheduler } = make("a");
    scheduler.start();
    await time.advance(0);
    await scheduler.idle();
    const gaps: number[] = [];
    for (let i = 0; i < 3; i++) {
      gaps.push(scheduler.nextRunAt!.getTime() - time.clock.now().getTime());
      await time.advance(gaps[i]!);
      await scheduler.idle();
    }
    expect(gaps).toEqual([1 * M, 2 * M, 4 * M]);
    expect(engine.runs.length).toBe(4);
  });

  test("the loop tells onConsecutiveFailures the failures in a row each time it reads the history", async () => {
    const { time, failures, make } = setup({ auto: "failed" });
    const { scheduler } = make("a");
    scheduler.start();
    await time.advance(0);
    await scheduler.idle();
    for (let i = 0; i < 3; i++) {
      await time.advance(scheduler.nextRunAt!.getTime() - time.clock.now().getTime());
      await scheduler.idle();
    }
    // The metric's view: it climbs with each failed run and is read from the shared history.
    expect([...new Set(failures)]).toEqual([0, 1, 2, 3, 4]);
    expect(failures.at(-1)).toBe(4);
  });

  test("the loop backs off when runSync throws without recording history", async () => {
    const { time, make } = setup({ throws: true });
    const { scheduler } = make("a");
    scheduler.start();
    await time.advance(0);
    await scheduler.idle();
    expect(scheduler.lastJob?.status).toBe("failed");
    expect(scheduler.nextRunAt!.getTime() - time.clock.now().getTime()).toBe(1 * M);
  });

  test("a tick skips the run when another replica holds the lease and retries after the lease TTL", async () => {
    const { time, store, engine, make } = setup({ auto: "success" });
    await store.acquire("scim-sync", "other", 30 * S);
    const { scheduler } = make("a");
    scheduler.start();
    await time.advance(0);
    await scheduler.idle();
    expect(engine.runs.length).toBe(0);
    expect(scheduler.nextRunAt!.getTime() - time.clock.now().getTime()).toBe(30 * S);
    // The other replica died without releasing: its lease expires and we take over at the next tick.
    await time.advance(30 * S);
    expect(engine.runs.length).toBe(0);
    await time.advance(30 * S);
    await scheduler.idle();
    expect(engine.runs.length).toBe(1);
  });

  test("a tick does not repeat a sync another replica finished while it waited", async () => {
    const { time, history, engine, make } = setup({ auto: "success" });
    const { scheduler } = make("a");
    const b = make("b").scheduler;
    scheduler.start();
    b.start();
    await time.advance(0);
    await scheduler.idle();
    await b.idle();
    expect(engine.runs.length).toBe(1);
    await time.advance(60 * S);
    await b.idle();
    expect(engine.runs.length).toBe(1);
    expect(history.filter((h) => h.status === "success").length).toBe(1);
    expect(b.nextRunAt?.getTime()).toBe(START.getTime() + 6 * H);
  });

  test("trigger() refuses while a run is in flight here or the lease is held elsewhere", async () => {
    const { time, store, make } = setup();
    const { scheduler } = make("a");
    const first = await scheduler.trigger("full");
    expect(first.ok).toBe(true);
    expect(await scheduler.trigger("full")).toEqual({ ok: false, reason: "running" });
    const other = make("b").scheduler;
    expect(await other.trigger("full")).toEqual({ ok: false, reason: "leased" });
    expect(store.owner()).toBe("a");
    await time.advance(0);
  });

  test("a tick that meets a refused trigger keeps the schedule armed", async () => {
    const { time, store, engine, make } = setup({ auto: "success" });
    await store.acquire("scim-sync", "other", 30 * S);
    const { scheduler } = make("a");
    scheduler.start();
    const refused = scheduler.trigger("full");
    await time.advance(0);
    expect(await refused).toEqual({ ok: false, reason: "leased" });
    expect(scheduler.nextRunAt).not.toBe(null);
    await store.release("scim-sync", "other");
    await time.advance(30 * S);
    await scheduler.idle();
    expect(engine.runs.length).toBe(1);
  });

  test("trigger() falls back to a full sync when delta is asked but never synced before", async () => {
    const { engine, make } = setup({ auto: "success", deltaSupported: true });
    const { scheduler } = make("a");
    const res = await scheduler.trigger("delta");
    await scheduler.idle();
    expect(res.ok && res.job.type).toBe("full");
    expect(engine.runs[0]?.options.type).toBe("full");
  });

  test("the lease is renewed while a run lasts longer than the TTL", async () => {
    const { time, store, engine, make } = setup();
    const { scheduler } = make("a");
    await scheduler.trigger("full");
    await time.advance(5 * M);
    expect(store.owner()).toBe("a");
    expect(await make("b").scheduler.trigger("full")).toEqual({ ok: false, reason: "leased" });
    engine.runs[0]!.finish("success");
    await scheduler.idle();
    expect(store.owner()).toBe(null);
  });

  test("stop() lets a run finish within the grace period", async () => {
    const { time, engine, store, make } = setup();
    const { scheduler } = make("a");
    await scheduler.trigger("full");
    const stopped = scheduler.stop(10 * S);
    await time.advance(2 * S);
    engine.runs[0]!.finish("success");
    await time.advance(0);
    await stopped;
    expect(engine.runs[0]!.options.signal.aborted).toBe(false);
    expect(scheduler.lastJob?.status).toBe("success");
    expect(store.owner()).toBe(null);
    expect(time.pending()).toBe(0);
  });

  test("stop() aborts a run after the grace period and the run is interrupted", async () => {
    const { time, engine, store, history, make } = setup();
    const { scheduler } = make("a");
    await scheduler.trigger("full");
    const stopped = scheduler.stop(10 * S);
    await time.advance(10 * S);
    await stopped;
    expect(engine.runs[0]!.options.signal.aborted).toBe(true);
    expect(history[0]?.status).toBe("interrupted");
    expect(store.owner()).toBe(null);
    expect(await scheduler.trigger("full")).toEqual({ ok: false, reason: "stopping" });
  });

  test("a run is aborted when its lease is lost to another runner", async () => {
    const { time, store, engine, make } = setup();
    const { scheduler } = make("a");
    await scheduler.trigger("full");
    await store.release("scim-sync", "a");
    await store.acquire("scim-sync", "b", 30 * S);
    await time.advance(10 * S);
    await scheduler.idle();
    expect(engine.runs[0]!.options.signal.aborted).toBe(true);
    expect(store.owner()).toBe("b");
  });
});

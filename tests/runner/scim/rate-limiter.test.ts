// The SCIM client's pacing, on an injected clock whose sleep moves time.
import { describe, expect, test } from "bun:test";
import { createRateLimiter, PACING_MARGIN } from "../../../runner/scim/rate-limiter.ts";

/** A limiter on a fake clock: each take() records when it was let through. */
function paced(perMinute: number) {
  let now = 1_000_000;
  const sent: number[] = [];
  const limiter = createRateLimiter({
    perMinute,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  return {
    limiter,
    sent,
    advance: (ms: number) => (now += ms),
    async take() {
      await limiter.take();
      sent.push(now);
    },
    start: now,
  };
}

const interval = (perMinute: number) => (60_000 / perMinute) * (1 + PACING_MARGIN);

describe("createRateLimiter()", () => {
  test("createRateLimiter() lets no burst through: the first request one interval after start, then one per interval", async () => {
    const p = paced(60);
    for (let i = 0; i < 5; i++) await p.take();
    expect(p.limiter.intervalMs).toBe(interval(60));
    const gaps = p.sent.map((t, i) => t - (i === 0 ? p.start : p.sent[i - 1]!));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(interval(60));
    for (const gap of gaps) expect(gap).toBeLessThan(interval(60) + 1);
  });

  test("createRateLimiter() never puts more than perMinute requests in any 60 s", async () => {
    const p = paced(100);
    for (let i = 0; i < 350; i++) await p.take();
    for (let i = 100; i < p.sent.length; i++) {
      expect(p.sent[i]! - p.sent[i - 100]!).toBeGreaterThanOrEqual(60_000);
    }
  });

  test("createRateLimiter() after an idle spell sends one request at once, never a burst", async () => {
    const p = paced(60);
    await p.take();
    p.advance(10 * 60_000);
    const before = p.sent.length;
    await p.take();
    await p.take();
    await p.take();
    const idleEnd = p.sent[before - 1]! + 10 * 60_000;
    expect(p.sent[before]).toBe(idleEnd);
    expect(p.sent[before + 1]! - p.sent[before]!).toBeGreaterThanOrEqual(interval(60));
    expect(p.sent[before + 2]! - p.sent[before + 1]!).toBeGreaterThanOrEqual(interval(60));
  });

  test("createRateLimiter().defer() holds every request until the SSO's Retry-After has passed", async () => {
    const p = paced(600);
    await p.take();
    const asked = p.sent[0]!;
    p.limiter.defer(7_000);
    await p.take();
    await p.take();
    expect(p.sent[1]! - asked).toBeGreaterThanOrEqual(7_000);
    expect(p.sent[2]! - p.sent[1]!).toBeGreaterThanOrEqual(interval(600));
  });

  test("createRateLimiter().defer() shorter than the pacing changes nothing", async () => {
    const p = paced(60);
    await p.take();
    p.limiter.defer(10);
    await p.take();
    expect(p.sent[1]! - p.sent[0]!).toBeCloseTo(interval(60), 0);
  });

  test("createRateLimiter() measures from when a request went: a late timer does not let the next one catch up", async () => {
    let now = 0;
    const sent: number[] = [];
    const limiter = createRateLimiter({
      perMinute: 60,
      now: () => now,
      // Every other timer fires 300 ms late, as on a busy machine.
      sleep: async (ms) => void (now += ms + (sent.length % 2 === 0 ? 300 : 0)),
    });
    for (let i = 0; i < 4; i++) {
      await limiter.take();
      sent.push(now);
    }
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(interval(60));
    }
  });

  test("createRateLimiter() serves concurrent callers one interval apart, in the order they asked", async () => {
    let now = 0;
    const pending: { at: number; go: () => void }[] = [];
    const limiter = createRateLimiter({
      perMinute: 600,
      now: () => now,
      sleep: (ms) => new Promise<void>((go) => pending.push({ at: now + ms, go })),
    });
    const order: [string, number][] = [];
    const all = ["a", "b", "c"].map((name) => limiter.take().then(() => order.push([name, now])));
    // Fire the timers in time order, as a clock would.
    while (order.length < 3) {
      await Promise.resolve();
      const next = pending.sort((x, y) => x.at - y.at).shift();
      if (!next) continue;
      now = next.at;
      next.go();
      await new Promise((r) => setTimeout(r, 0));
    }
    await Promise.all(all);
    expect(order.map(([n]) => n)).toEqual(["a", "b", "c"]);
    expect(order[1]![1] - order[0]![1]).toBeGreaterThanOrEqual(interval(600));
    expect(order[2]![1] - order[1]![1]).toBeGreaterThanOrEqual(interval(600));
  });

  test("createRateLimiter() gives an aborted caller's turn to the next one", async () => {
    let now = 0;
    const limiter = createRateLimiter({
      perMinute: 60,
      now: () => now,
      sleep: async (ms, signal) => {
        signal?.throwIfAborted();
        now += ms;
      },
    });
    await limiter.take();
    const gone = new AbortController();
    gone.abort(new Error("run stopped"));
    const sentAt = now;
    await expect(limiter.take(gone.signal)).rejects.toThrow("run stopped");
    await limiter.take();
    // The abandoned turn spent no slot: one interval after the last request that went.
    expect(now - sentAt).toBeCloseTo(interval(60), 0);
  });

  test("createRateLimiter() refuses a rate that is not positive, naming the value", () => {
    expect(() => createRateLimiter({ perMinute: 0 })).toThrow(/perMinute must be positive, got 0/);
    expect(() => createRateLimiter({ perMinute: Number.NaN })).toThrow(RangeError);
  });
});

/** A limiter on a clock that only its sleeps move (one caller at a time). */
function fakeClockLimiter(perMinute: number) {
  const clock = { now: 0, waits: [] as number[] };
  const limiter = createRateLimiter({
    perMinute,
    now: () => clock.now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      clock.waits.push(ms);
      clock.now += ms;
    },
  });
  return { clock, limiter };
}

/**
 * A limiter on a clock for concurrent callers: sleeps are timers, fired in time order by
 * `run()` until the promises it is given have settled.
 */
function timedLimiter(perMinute: number) {
  const clock = { now: 0 };
  const timers: { at: number; go: () => void; stop: (e: unknown) => void }[] = [];
  const limiter = createRateLimiter({
    perMinute,
    now: () => clock.now,
    sleep: (ms, signal) =>
      new Promise<void>((go, stop) => {
        signal?.throwIfAborted();
        timers.push({ at: clock.now + ms, go, stop });
      }),
  });
  /** A caller's own pause (work between its requests) on the same clock. */
  const pause = (ms: number) =>
    new Promise<void>((go, stop) => timers.push({ at: clock.now + ms, go, stop }));
  const run = async (all: Promise<unknown>[]) => {
    let done = false;
    const settled = Promise.allSettled(all).then(() => (done = true));
    while (!done) {
      // Let every caller reach its next sleep before time moves.
      for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
      if (done) break;
      const next = timers.sort((x, y) => x.at - y.at).shift();
      if (!next) throw new Error("nothing to wait for, yet callers are pending");
      clock.now = Math.max(clock.now, next.at);
      next.go();
    }
    await settled;
  };
  return { clock, limiter, run, pause };
}

describe("SharedRateLimiter.background()", () => {
  test("background() takes a slot only once it is due, then one per interval: the full rate when nothing else runs", async () => {
    const { clock, limiter } = fakeClockLimiter(100);
    await limiter.take();
    const sentAt = clock.now;
    const previews = limiter.background({ busy: () => false });
    const at: number[] = [];
    for (let i = 0; i < 5; i++) {
      await previews.take();
      at.push(clock.now);
    }
    expect(at[0]! - sentAt).toBeGreaterThanOrEqual(interval(100));
    for (let i = 1; i < at.length; i++) {
      expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(interval(100));
      expect(at[i]! - at[i - 1]!).toBeLessThan(interval(100) + 1);
    }
    // A sync beginning just after a preview's request waits at most that one interval.
    await limiter.take();
    expect(clock.now - at[4]!).toBeLessThan(interval(100) + 1);
  });

  test("background() never takes a slot a waiting foreground request wants: the foreground goes first, at its own pace", async () => {
    const { clock, limiter, run, pause } = timedLimiter(600);
    const previews = limiter.background({ busy: () => false, pollMs: 1000 });
    const order: [string, number][] = [];
    const stamp = (name: string, p: Promise<void>) =>
      p.then(() => void order.push([name, clock.now]));
    // The preview asks first (its timer fires first, with the slot due); three foreground
    // requests ask before that slot is due.
    const preview = stamp("preview", previews.take());
    const asking = pause(50).then(() =>
      Promise.all(["s1", "s2", "s3"].map((n) => stamp(n, limiter.take())))
    );
    await run([preview, asking]);
    expect(order.map(([n]) => n)).toEqual(["s1", "s2", "s3", "preview"]);
    // The foreground kept its pace: one interval apart from the start, as without a preview.
    const [s1, s2, s3] = order.map(([, at]) => at);
    expect(s1).toBeCloseTo(interval(600), 0);
    expect(s2! - s1!).toBeCloseTo(interval(600), 0);
    expect(s3! - s2!).toBeCloseTo(interval(600), 0);
    expect(order[3]![1] - s3!).toBeGreaterThanOrEqual(interval(600));
  });

  test("background() and the foreground together never put more than perMinute requests in any 60 s", async () => {
    const { clock, limiter, run, pause } = timedLimiter(30);
    const previews = limiter.background({ busy: () => false, pollMs: 1000 });
    const sent: [string, number][] = [];
    const many = (name: string, take: () => Promise<void>, n: number, workMs: number) =>
      (async () => {
        for (let i = 0; i < n; i++) {
          await take();
          sent.push([name, clock.now]);
          // The foreground works between requests, leaving slots the previews take.
          if (workMs > 0) await pause(workMs);
        }
      })();
    await run([
      many("preview", () => previews.take(), 45, 0),
      many("sync", () => limiter.take(), 45, 3_000),
    ]);
    sent.sort((x, y) => x[1] - y[1]);
    expect(sent.length).toBe(90);
    // Interleaved: previews went between the foreground's requests, not only after them.
    const lastSync = sent.findLastIndex(([n]) => n === "sync");
    expect(sent.slice(0, lastSync).some(([n]) => n === "preview")).toBe(true);
    const at = sent.map(([, t]) => t);
    for (let i = 30; i < at.length; i++) {
      expect(at[i]! - at[i - 30]!).toBeGreaterThanOrEqual(60_000);
    }
  });

  test("background() holds for the SSO's Retry-After too, and a 429 a preview sees holds the foreground", async () => {
    const { clock, limiter } = fakeClockLimiter(600);
    const previews = limiter.background({ busy: () => false, pollMs: 100_000 });
    await previews.take();
    const asked = clock.now;
    previews.defer(7_000);
    await previews.take();
    expect(clock.now - asked).toBeGreaterThanOrEqual(7_000);
    limiter.defer(5_000);
    const before = clock.now;
    await limiter.take();
    expect(clock.now - before).toBeGreaterThanOrEqual(5_000);
  });

  test("background() proceeds once syncs are idle again: a preview that waited through a sync is not starved", async () => {
    const { clock, limiter, run } = timedLimiter(100);
    let syncing = false;
    const previews = limiter.background({ busy: () => syncing, pollMs: 1000 });
    // A sync of 20 requests runs while the preview waits; it ends, and then the preview goes.
    const sync = (async () => {
      syncing = true;
      for (let i = 0; i < 20; i++) await limiter.take();
      syncing = false;
      return clock.now;
    })();
    const preview = previews.take().then(() => clock.now);
    await run([sync, preview]);
    const syncEnded = await sync;
    const previewWent = await preview;
    expect(previewWent).toBeGreaterThan(syncEnded);
    // Within one poll (or one interval) of the sync's end, not later.
    expect(previewWent - syncEnded).toBeLessThanOrEqual(Math.max(1000, interval(100)) + 1);
  });

  test("background() waits while busy() is true and takes once the foreground is done", async () => {
    const { clock, limiter } = fakeClockLimiter(100);
    let sync = true;
    let asked = 0;
    const previews = limiter.background({
      busy: () => {
        if (++asked === 4) sync = false;
        return sync;
      },
      pollMs: 250,
    });
    await previews.take();
    expect(asked).toBe(4);
    expect(clock.waits).toEqual([250, 250, 250]);
  });

  test("background() stops waiting when its signal aborts", async () => {
    const { limiter } = fakeClockLimiter(100);
    const previews = limiter.background({ busy: () => true, pollMs: 10 });
    const controller = new AbortController();
    controller.abort(new Error("caller left"));
    await expect(previews.take(controller.signal)).rejects.toThrow("caller left");
  });
});

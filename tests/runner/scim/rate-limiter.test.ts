// The SCIM client's token bucket, on an injected clock whose sleep moves time.
import { describe, expect, test } from "bun:test";
import { createRateLimiter } from "../../../runner/scim/rate-limiter.ts";

describe("createRateLimiter()", () => {
  test("createRateLimiter() lets a full bucket through, then spaces requests at the rate", async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = createRateLimiter({
      perMinute: 60,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    for (let i = 0; i < 60; i++) await limiter.take();
    expect(waits).toEqual([]);
    await limiter.take();
    expect(waits).toEqual([1000]);
  });

  test("createRateLimiter() refills with time, so a pause lets a burst through again", async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = createRateLimiter({
      perMinute: 60,
      now: () => now,
      sleep: async (ms) => void waits.push(ms),
    });
    for (let i = 0; i < 60; i++) await limiter.take();
    now += 60_000;
    for (let i = 0; i < 60; i++) await limiter.take();
    expect(waits).toEqual([]);
  });

  test("createRateLimiter() refuses a rate that is not positive", () => {
    expect(() => createRateLimiter({ perMinute: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ perMinute: Number.NaN })).toThrow(RangeError);
  });
});

/** A limiter on a clock that only its sleeps move. */
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

describe("SharedRateLimiter.background()", () => {
  test("background() takes a token only from a full bucket, so it spends only the refill", async () => {
    const { clock, limiter } = fakeClockLimiter(100);
    for (let i = 0; i < 10; i++) await limiter.take();
    const previews = limiter.background({ busy: () => false });
    await previews.take();
    // 10 tokens short at 100/min: 6 s until full, then one token taken.
    expect(clock.now).toBe(6000);
    await previews.take();
    // Each further one waits for the next token to refill: 600 ms at 100/min.
    expect(clock.now).toBe(6600);
  });

  test("background() never draws down the burst: the foreground still has all but one token", async () => {
    const { clock, limiter } = fakeClockLimiter(100);
    const previews = limiter.background({ busy: () => false });
    for (let i = 0; i < 50; i++) await previews.take();
    const afterPreviews = clock.now;
    // 99 foreground requests pass at once, as they would have without the previews.
    for (let i = 0; i < 99; i++) await limiter.take();
    expect(clock.now).toBe(afterPreviews);
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

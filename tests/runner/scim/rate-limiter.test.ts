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

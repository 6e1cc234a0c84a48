import { describe, expect, test } from "bun:test";
import { parseRetryAfter, RetryableError, withRetry } from "../../shared/retry.ts";
import { createRateLimiter } from "../../runner/scim/rate-limiter.ts";

describe("withRetry()", () => {
  test("withRetry() retries retryable failures with growing jittered delays, then succeeds", async () => {
    const delays: number[] = [];
    let n = 0;
    const r = await withRetry(async () => {
      if (++n < 4) throw new RetryableError(new Error("HTTP 500"));
      return "ok";
    }, { maxRetries: 5, baseMs: 100, maxMs: 1000, random: () => 1, sleep: async (ms) => void delays.push(ms) });
    expect(r).toBe("ok");
    expect(delays).toEqual([100, 200, 400]);
  });

  test("withRetry() waits the server's Retry-After instead of its own backoff", async () => {
    const delays: number[] = [];
    let n = 0;
    await withRetry(async () => {
      if (++n === 1) throw new RetryableError(new Error("429"), 3000);
      return 1;
    }, { random: () => 0.5, sleep: async (ms) => void delays.push(ms) });
    expect(delays).toEqual([3000]);
  });

  test("withRetry() throws the underlying error when retries run out", async () => {
    const err = new Error("still down");
    await expect(withRetry(async () => {
      throw new RetryableError(err);
    }, { maxRetries: 2, sleep: async () => {} })).rejects.toBe(err);
  });

  test("withRetry() does not retry a non-retryable error", async () => {
    let n = 0;
    await expect(withRetry(async () => {
      n++;
      throw new Error("400");
    }, { sleep: async () => {} })).rejects.toThrow("400");
    expect(n).toBe(1);
  });

  test("parseRetryAfter() reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("2", 0)).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
  });
});

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
});

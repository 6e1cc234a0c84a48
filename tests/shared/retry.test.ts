// The one retry loop of shared/: backoff with full jitter, the server's Retry-After,
// and what it does not retry. Sleeps are recorded, never waited.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseRetryAfter, RetryableError, withRetry } from "../../shared/retry.ts";

describe("withRetry()", () => {
  test("withRetry() retries retryable failures with growing jittered delays, then succeeds", async () => {
    const delays: number[] = [];
    let n = 0;
    const r = await withRetry(async () => {
      if (++n < 4) throw new RetryableError(new Error("HTTP 500"));
      return "ok";
    }, {
      maxRetries: 5,
      baseMs: 100,
      maxMs: 1000,
      random: () => 1,
      sleep: async (ms) => void delays.push(ms),
    });
    assert.equal(r, "ok");
    assert.deepEqual(delays, [100, 200, 400]);
  });

  test("withRetry() waits the server's Retry-After instead of its own backoff", async () => {
    const delays: number[] = [];
    let n = 0;
    await withRetry(async () => {
      if (++n === 1) throw new RetryableError(new Error("429"), 3000);
      return 1;
    }, { random: () => 0.5, sleep: async (ms) => void delays.push(ms) });
    assert.deepEqual(delays, [3000]);
  });

  test("withRetry() throws the underlying error when retries run out", async () => {
    const err = new Error("still down");
    await assert.rejects(
      withRetry(async () => {
        throw new RetryableError(err);
      }, { maxRetries: 2, sleep: async () => {} }),
      (thrown) => thrown === err,
    );
  });

  test("withRetry() does not retry a non-retryable error", async () => {
    let n = 0;
    await assert.rejects(
      withRetry(async () => {
        n++;
        throw new Error("400");
      }, { sleep: async () => {} }),
      /400/,
    );
    assert.equal(n, 1);
  });

  test("withRetry() refuses nonsense options with a RangeError before the first attempt", async () => {
    let attempts = 0;
    const attempt = async () => void attempts++;
    await assert.rejects(withRetry(attempt, { maxRetries: -1 }), RangeError);
    await assert.rejects(withRetry(attempt, { baseMs: 2000, maxMs: 1000 }), RangeError);
    assert.equal(attempts, 0);
  });
});

describe("parseRetryAfter()", () => {
  test("parseRetryAfter() reads seconds and HTTP dates, and null for anything else", () => {
    assert.equal(parseRetryAfter("2", 0), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter("soon", 0), null);
    assert.equal(parseRetryAfter(null, 0), null);
  });
});

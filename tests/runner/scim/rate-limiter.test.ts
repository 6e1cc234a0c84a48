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

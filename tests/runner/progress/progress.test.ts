import { describe, expect, test } from "bun:test";
import { humanDuration, progressLine, timeLeftMs } from "../../../runner/progress/progress-line.ts";
import { createProgressReporter } from "../../../runner/progress/progress-reporter.ts";
import { reportingWaits } from "../../../runner/progress/rate-waits.ts";

const snap = {
  label: "Users fetched",
  done: 12_400,
  total: 100_000,
  pages: 62,
  phaseStartedAtMs: 0,
  rateWaits: 3,
  rateWaitMs: 41_000,
};

describe("progressLine()", () => {
  test("names fetched of the announced total, pages, rate-limit waits and the time left", () => {
    expect(progressLine(snap, 40_000)).toBe(
      "Users fetched: 12,400 of 100,000 (12%) · 62 pages · 3 rate-limit waits (41 s) · about 4 min 43 s left",
    );
  });
  test("leaves out what it cannot know: no total, no waits, too early for an estimate", () => {
    expect(progressLine({ ...snap, total: null, rateWaits: 0, pages: 1 }, 500)).toBe(
      "Users fetched: 12,400 · 1 page",
    );
  });
});

describe("timeLeftMs()", () => {
  test("extrapolates the rate since the phase began", () => {
    expect(timeLeftMs({ done: 1_000, total: 4_000, phaseStartedAtMs: 0 }, 60_000)).toBe(180_000);
  });
  test("is null without a total, before anything is done, or within the first second", () => {
    expect(timeLeftMs({ done: 10, total: null, phaseStartedAtMs: 0 }, 5_000)).toBeNull();
    expect(timeLeftMs({ done: 0, total: 10, phaseStartedAtMs: 0 }, 5_000)).toBeNull();
    expect(timeLeftMs({ done: 5, total: 10, phaseStartedAtMs: 0 }, 900)).toBeNull();
  });
});

describe("humanDuration()", () => {
  test("reads as a person says it", () => {
    expect([45_000, 330_000, 300_000, 3_900_000].map(humanDuration)).toEqual([
      "45 s",
      "5 min 30 s",
      "5 min",
      "1 h 5 min",
    ]);
  });
});

/** A reporter on a controlled clock and heartbeat. */
function reporter(tty: boolean) {
  let t = 0;
  const written: string[] = [];
  let beat: (() => void) | null = null;
  const r = createProgressReporter({
    write: (s) => written.push(s),
    tty,
    now: () => t,
    every: (_ms, fn) => {
      beat = fn;
      return () => (beat = null);
    },
  });
  return {
    r,
    written,
    at: (ms: number) => (t = ms),
    beat: () => beat?.(),
    beating: () => beat !== null,
  };
}

describe("createProgressReporter()", () => {
  test("off a terminal: a whole line at once, then one every 5 s, the heartbeat writing during a wait", () => {
    const x = reporter(false);
    x.r.update({ label: "Users fetched", done: 0, total: 1000, pages: 0 });
    expect(x.written).toEqual(["  Users fetched: 0 of 1,000 (0%) · 0 pages\n"]);
    x.at(1_000);
    x.r.update({ label: "Users fetched", done: 200, total: 1000, pages: 1 });
    expect(x.written.length).toBe(1);
    x.r.rateWait(4_000);
    x.at(5_000);
    x.beat(); // no update came (a rate-limit wait): the heartbeat writes the line anyway
    expect(x.written[1]).toBe(
      "  Users fetched: 200 of 1,000 (20%) · 1 page · 1 rate-limit wait (4 s) · about 20 s left\n",
    );
    x.r.finish();
    expect(x.beating()).toBe(false);
  });

  test("on a terminal: one line rewritten in place, cleared at the end", () => {
    const x = reporter(true);
    x.r.update({ label: "Org units fetched", done: 5, total: 20, pages: 1 });
    x.at(100);
    x.r.update({ label: "Org units fetched", done: 10, total: 20, pages: 2 });
    x.r.update({ label: "Users fetched", done: 5, total: 30, pages: 1 }); // a new phase shows at once
    x.r.finish();
    expect(x.written).toEqual([
      "\r\x1b[K  Org units fetched: 5 of 20 (25%) · 1 page",
      "\r\x1b[K  Users fetched: 5 of 30 (16%) · 1 page",
      "\r\x1b[K",
    ]);
  });
});

describe("createProgressReporter() estimate", () => {
  test("uses the rate of the last 15 s: a burst from a full bucket, then the rate limit, is not 'about 1 min left'", () => {
    const x = reporter(false);
    x.r.update({ label: "Users fetched", done: 0, total: 400, pages: 0 });
    x.at(1_000);
    x.r.update({ label: "Users fetched", done: 100, total: 400, pages: 1 }); // the full bucket
    for (let i = 1; i <= 6; i++) {
      x.at(1_000 + i * 10_000);
      x.r.update({ label: "Users fetched", done: 100 + 10 * i, total: 400, pages: 1 + i });
    }
    // 61 s in, 160 done: 10 per 10 s lately, so 240 left take about 4 minutes (the whole
    // phase's average, 160 in 61 s, would say about 1 min 32 s).
    expect(x.written.at(-1)).toBe(
      "  Users fetched: 160 of 400 (40%) · 7 pages · about 4 min left\n",
    );
  });
});

describe("reportingWaits()", () => {
  test("tells each hold of the limiter of at least 50 ms, and not the short ones", async () => {
    let t = 0;
    const holds = [0, 30, 1_200];
    const waits: number[] = [];
    const limiter = reportingWaits(
      {
        intervalMs: 600,
        defer: () => {},
        take: () => Promise.resolve(void (t += holds.shift() ?? 0)),
      },
      (ms) => waits.push(ms),
      () => t,
    );
    for (let i = 0; i < 3; i++) await limiter.take();
    expect(waits).toEqual([1_200]);
  });

  test("passes the SSO's Retry-After and the interval through to the limiter it wraps", () => {
    const deferred: number[] = [];
    const limiter = reportingWaits(
      { intervalMs: 606, defer: (ms) => void deferred.push(ms), take: () => Promise.resolve() },
      () => {},
    );
    limiter.defer(7_000);
    expect(deferred).toEqual([7_000]);
    expect(limiter.intervalMs).toBe(606);
  });
});

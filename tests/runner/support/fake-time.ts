/**
 * Fake clock and timers for the scheduler and lease tests: time moves only
 * when a test calls `advance`, and due timers fire in order, each awaited.
 *
 * @module
 */
import type { Timer } from "../../../runner/lease.ts";

/** A fake clock and timer pair. */
export interface FakeTime {
  clock: { now(): Date };
  timer: Timer;
  /** Moves time forward, firing (and awaiting) every timer due on the way. */
  advance(ms: number): Promise<void>;
  /** Number of armed timers. */
  pending(): number;
  /** When the earliest armed timer fires, or null when none is armed. */
  nextAt(): Date | null;
}

/**
 * Creates fake time starting at `start`.
 *
 * @example
 * ```ts
 * const time = createFakeTime(new Date("2025-10-18T00:00:00Z"));
 * time.timer.setTimer(1000, () => console.log("tick"));
 * await time.advance(1000); // logs "tick"
 * ```
 */
export function createFakeTime(start: Date): FakeTime {
  let t = start.getTime();
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void | Promise<void> }>();
  return {
    clock: { now: () => new Date(t) },
    timer: {
      setTimer(ms, fn) {
        const id = ++seq;
        timers.set(id, { at: t + Math.max(0, ms), fn });
        return () => void timers.delete(id);
      },
    },
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        await flush();
        let next: [number, { at: number; fn: () => void | Promise<void> }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
        }
        if (!next) break;
        timers.delete(next[0]);
        t = Math.max(t, next[1].at);
        await next[1].fn();
      }
      t = end;
      await flush();
    },
    pending: () => timers.size,
    nextAt() {
      let at: number | null = null;
      for (const [, e] of timers) if (at === null || e.at < at) at = e.at;
      return at === null ? null : new Date(at);
    },
  };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

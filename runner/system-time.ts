/**
 * The real clock and timers, for production wiring; tests pass fakes instead.
 *
 * @module
 */
import type { Timer } from "./lease.ts";

/** setTimeout's ceiling (2^31-1 ms, about 24.8 days); longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The wall clock.
 *
 * @example
 * ```ts
 * systemClock.now(); // new Date()
 * ```
 */
export const systemClock = { now: (): Date => new Date() };

/**
 * Timers on `setTimeout`, cancellable, safe for delays beyond 24.8 days.
 *
 * @example
 * ```ts
 * const cancel = systemTimer.setTimer(1000, () => console.log("later"));
 * cancel();
 * ```
 */
export const systemTimer: Timer = {
  setTimer(ms, fn) {
    let handle: ReturnType<typeof setTimeout>;
    let cancelled = false;
    const arm = (left: number) => {
      handle = setTimeout(() => {
        if (cancelled) return;
        if (left > MAX_TIMEOUT_MS) return arm(left - MAX_TIMEOUT_MS);
        // Callers handle their own errors; this only keeps a slip from crashing the process.
        Promise.resolve().then(fn).catch((e) => console.error("timer callback failed:", e));
      }, Math.min(Math.max(0, left), MAX_TIMEOUT_MS));
    };
    arm(ms);
    return () => {
      cancelled = true;
      clearTimeout(handle);
    };
  },
};

/**
 * Runs `fn` every `ms` until the returned function is called. The interval does not keep
 * the process alive (a watch, a heartbeat: never a reason to stay up).
 *
 * @example
 * ```ts
 * const stop = systemEvery(5_000, () => console.log("tick"));
 * stop();
 * ```
 */
export function systemEvery(ms: number, fn: () => void): () => void {
  const handle = setInterval(fn, ms);
  (handle as { unref?: () => void }).unref?.();
  return () => clearInterval(handle);
}

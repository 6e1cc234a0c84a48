/**
 * Pacing the SCIM client to the SSO's allowance (the guide's "Rate Limit: 100
 * requests/minute", SCIM_RATE_LIMIT): one request every 60/N seconds, in the
 * order asked, and no request before a time the SSO named in a 429's
 * Retry-After.
 *
 * No burst, not even at start. The allowance is the SSO's per client, not per
 * process, and a process cannot see what the one before it spent: a bucket
 * that starts full would send a minute's worth into a window the previous
 * `npm run sync` (or the daemon) may have filled, and a burst then the rate
 * sends up to twice the allowance in the first minute, which an SSO counting
 * any 60 s (or a fixed minute) refuses. Even pacing from one interval after
 * start is refused by none of them; what it costs is at most one interval per
 * run, and the time of a run that would have fitted in a burst (under N
 * requests, i.e. under a minute). The interval is 1% longer than 60/N s, so
 * that the two clocks' jitter (timers firing late, a busy SSO reading a request
 * late) never puts N + 1 requests in the SSO's minute.
 *
 * Background work (a Preview) is paced on the same slots through
 * {@linkcode SharedRateLimiter.background}: it takes a slot only when no
 * foreground request is waiting for one and `busy()` (a sync runs) is false —
 * slots nobody else wanted, which even pacing would otherwise let go by. So a
 * preview never slows a running sync and never spends its budget; a sync that
 * begins just after a preview's request waits at most the rest of that one
 * interval (as a full bucket's one token taken by a preview cost a long sync
 * one token's time). When nothing else runs, previews go at the full rate, and
 * as soon as the foreground is idle again they proceed: nothing but a sync or
 * a waiting foreground request holds them.
 *
 * @module
 */

/** How much longer than 60/N s the interval is (see the module doc). */
export const PACING_MARGIN = 0.01;

/** Options of {@linkcode createRateLimiter}. */
export interface RateLimiterOptions {
  perMinute: number;
  /** @default Date.now */
  now?: () => number;
  /** @default setTimeout-based sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RateLimiter {
  /** The time between two requests, ms. */
  readonly intervalMs: number;
  /** Resolves when a request may be sent; callers are served in the order they asked. */
  take(signal?: AbortSignal): Promise<void>;
  /** The SSO asked for a pause (429 Retry-After): no request is sent before `ms` from now. */
  defer(ms: number): void;
}

/** Options of {@linkcode SharedRateLimiter.background}. */
export interface BackgroundOptions {
  /** While true, background requests wait: the foreground (a sync) owns the budget. */
  busy: () => boolean | Promise<boolean>;
  /** How often a waiting background request looks again at `busy`. @default 1000 */
  pollMs?: number;
}

/** The foreground's pacing, with a background view of the same slots. */
export interface SharedRateLimiter extends RateLimiter {
  /**
   * A limiter over the same slots for work that must yield (previews): each request
   * waits until its slot is due, no foreground request waits and `busy()` is false.
   */
  background(options: BackgroundOptions): RateLimiter;
}

/** The pacing both views share. */
interface Pacing {
  readonly intervalMs: number;
  now: () => number;
  wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** When the last request (foreground or background) actually went. */
  lastSent: number;
  deferredUntil: number;
  /** Foreground callers that asked and were not yet let through (or gave up). */
  foregroundWaiting: number;
}

/** Ms until the next slot (≤ 0: due now). */
const dueIn = (p: Pacing) => Math.max(p.lastSent + p.intervalMs, p.deferredUntil) - p.now();

/** Runs each turn after the one before it, whether that was taken or abandoned. */
function inOrder() {
  let queue: Promise<void> = Promise.resolve();
  return (turn: () => Promise<void>) => {
    const t = queue.then(turn);
    queue = t.catch(() => {});
    return t;
  };
}

/**
 * Creates the pacer: the first request one interval after creation, then one per
 * interval, each measured from when the previous one went.
 *
 * @throws {RangeError} when perMinute is not positive
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ perMinute: 100 }); // a request every 606 ms
 * await limiter.take();
 * const previews = limiter.background({ busy: () => syncRunning });
 * await previews.take();
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): SharedRateLimiter {
  if (!(options.perMinute > 0)) {
    throw new RangeError(`perMinute must be positive, got ${options.perMinute}`);
  }
  const p: Pacing = {
    intervalMs: (60_000 / options.perMinute) * (1 + PACING_MARGIN),
    now: options.now ?? Date.now,
    wait: options.sleep ?? abortableSleep,
    // Measured from when the last request actually went, not when it was due: a timer that
    // fires late, or a caller that asks late, must not let the next one catch up.
    lastSent: (options.now ?? Date.now)(),
    deferredUntil: -Infinity,
    foregroundWaiting: 0,
  };
  const queued = inOrder();
  const defer = (ms: number) => {
    p.deferredUntil = Math.max(p.deferredUntil, p.now() + ms);
  };
  return {
    intervalMs: p.intervalMs,
    take(signal) {
      p.foregroundWaiting++;
      return queued(async () => {
        for (;;) {
          const due = dueIn(p);
          if (due <= 0) break;
          // A defer() while waiting moves the time: look again after the sleep.
          await p.wait(Math.ceil(due), signal);
        }
        signal?.throwIfAborted();
        p.lastSent = p.now();
      }).finally(() => p.foregroundWaiting--);
    },
    defer,
    background: (o) => backgroundView(p, o, defer),
  };
}

/** The background view of {@linkcode createRateLimiter}'s pacing. */
function backgroundView(
  p: Pacing,
  { busy, pollMs = 1000 }: BackgroundOptions,
  defer: (ms: number) => void,
): RateLimiter {
  if (!(pollMs > 0)) throw new RangeError(`pollMs must be positive, got ${pollMs}`);
  const queued = inOrder();
  return {
    intervalMs: p.intervalMs,
    take: (signal) =>
      queued(async () => {
        for (;;) {
          signal?.throwIfAborted();
          const yielding = await busy();
          // Read after busy() settles: a foreground request that asked meanwhile goes first.
          const due = dueIn(p);
          if (!yielding && p.foregroundWaiting === 0 && due <= 0) {
            p.lastSent = p.now();
            return;
          }
          const idle = !yielding && p.foregroundWaiting === 0;
          await p.wait(idle ? Math.min(Math.ceil(due), pollMs) : pollMs, signal);
        }
      }),
    // A 429 answered to a preview is the SSO's pause for the whole client.
    defer,
  };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}

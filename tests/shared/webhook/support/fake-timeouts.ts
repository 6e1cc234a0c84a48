/**
 * Fake time for the forwarders (node:test, Bun and Deno): their deadline and
 * attempt limits are signals from `timeout`, their waits go through `sleep`;
 * time moves only by those waits or by `advance`, and a due signal aborts as
 * time passes it. Nothing waits for real.
 *
 * @module
 */

/** A fake clock with the forwarder's `sleep` and `timeout` hooks. */
export interface FakeTimeouts {
  /** Milliseconds since the start. */
  now(): number;
  /** Like AbortSignal.timeout, on the fake clock. */
  timeout(ms: number): AbortSignal;
  /** Moves time by `ms` at once, or to the moment `signal` aborts, and then rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Moves time by `ms`, aborting every signal due on the way. */
  advance(ms: number): void;
}

/**
 * Creates fake time starting at 0 ms.
 *
 * @example
 * ```ts
 * const time = createFakeTimeouts();
 * const forward = createHttpForwarder({ url, secret, sleep: time.sleep, timeout: time.timeout });
 * ```
 */
export function createFakeTimeouts(): FakeTimeouts {
  let now = 0;
  const due: { at: number; controller: AbortController }[] = [];
  const moveTo = (target: number, signal?: AbortSignal) => {
    for (;;) {
      const next = due.filter((d) => d.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      due.splice(due.indexOf(next), 1);
      now = next.at;
      next.controller.abort(new DOMException("The operation timed out.", "TimeoutError"));
      if (signal?.aborted) return;
    }
    now = target;
  };
  return {
    now: () => now,
    timeout(ms: number): AbortSignal {
      const controller = new AbortController();
      due.push({ at: now + ms, controller });
      return controller.signal;
    },
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      moveTo(now + ms, signal);
      return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
    },
    advance(ms: number) {
      moveTo(now + ms);
    },
  };
}

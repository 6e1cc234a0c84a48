/**
 * Previews within bounds. A preview lists the whole directory, so the runner
 * runs at most one at a time: callers that ask while one is under way join it
 * and get the same answer; a caller that leaves (its request's signal aborts)
 * stops waiting at once, and when every caller has left the preview itself is
 * cancelled. It gives way to syncs ({@linkcode yieldingToSyncs}): it starts
 * only when none runs, and one that begins stops it until it has ended. A
 * preview is never a run: it logs its own lines (`🧪 Preview …`),
 * never "SCIM synchronization aborted", and records no history and no run
 * metric (compose.ts runs dry runs without `onFinished`, on the background
 * budget of the rate limiter).
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";
import { sleep as defaultSleep } from "../../shared/sleep.ts";
import type { SyncActivity } from "./sync-activity.ts";
import type { SyncPreview } from "./sync-preview.ts";

/**
 * Every caller of a preview left before it ended.
 *
 * @example
 * ```ts
 * controller.abort(new PreviewCancelledError());
 * ```
 */
export class PreviewCancelledError extends ScimSyncError {
  constructor() {
    super("PREVIEW_CANCELLED", "Preview cancelled: every caller left before it ended");
  }
}

/**
 * The one line a finished preview logs (pure).
 *
 * @example
 * ```ts
 * previewLine(preview); // "🧪 Preview: the guard would abort this sync — users 0 to create, …"
 * ```
 */
export function previewLine(p: SyncPreview): string {
  const verdict = p.wouldAbort
    ? "the guard would abort this sync"
    : p.status === "success"
    ? (p.complete === false ? "the sync would run, listing incomplete" : "the sync would run")
    : `the sync would fail: ${p.error?.message ?? p.status}`;
  const u = p.users;
  return `🧪 Preview (nothing written, not a run): ${verdict} — users ${u.create.count} to create, ` +
    `${u.update.count} to update, ${u.deactivate.count} to deactivate`;
}

/** The preview under way and who waits for it. */
interface Flight {
  promise: Promise<SyncPreview>;
  controller: AbortController;
  callers: number;
}

/**
 * Wraps `run` so that one preview runs at a time, joined by concurrent
 * callers and cancelled when all of them have left.
 *
 * @param run the preview itself; it must stop when its signal aborts
 * @param logger where the preview's own lines go
 * @returns the preview as callers ask for it, with their signal (an HTTP request's)
 *
 * @example
 * ```ts
 * const preview = createPreviewFlight((signal) => previewSync({ ...deps, signal }), logger);
 * const plan = await preview(c.req.raw.signal); // rejects with the caller's reason if it leaves
 * ```
 */
export function createPreviewFlight(
  run: (signal: AbortSignal) => Promise<SyncPreview>,
  logger: Logger,
): (signal?: AbortSignal) => Promise<SyncPreview> {
  let current: Flight | null = null;
  const start = (): Flight => {
    const controller = new AbortController();
    logger.info("🧪 Preview started: a dry run of a full sync (nothing is written)");
    const flight: Flight = { controller, callers: 0, promise: run(controller.signal) };
    flight.promise.then(
      (p) =>
        logger.info(
          controller.signal.aborted ? `🧪 ${new PreviewCancelledError().message}` : previewLine(p),
        ),
      (e) => logger.warn(`🧪 Preview failed: ${e instanceof Error ? e.message : String(e)}`),
    ).finally(() => {
      if (current === flight) current = null;
    });
    return flight;
  };
  return (signal) => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const flight = (current ??= start());
    flight.callers++;
    return new Promise<SyncPreview>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", leave);
        fn();
      };
      const leave = () =>
        settle(() => {
          if (--flight.callers === 0) {
            // Nobody waits any more: stop listing, and let the next caller start afresh.
            flight.controller.abort(new PreviewCancelledError());
            if (current === flight) current = null;
          }
          reject(signal!.reason);
        });
      signal?.addEventListener("abort", leave, { once: true });
      flight.promise.then((p) => settle(() => resolve(p)), (e) => settle(() => reject(e)));
    });
  };
}

/** Options of {@linkcode yieldingToSyncs}. */
export interface YieldOptions {
  logger: Logger;
  /** How often a preview waiting for a sync to end looks again. @default 1000 */
  pollMs?: number;
  /** @default shared/sleep.ts */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * `run` made to give way to syncs: it starts only while no sync runs (here or
 * under the lease anywhere), and when a sync of this process begins, the
 * preview under way is stopped at once — its listing, its reads of MongoDB,
 * its CPU — and started again after that sync has ended. Its plan would
 * otherwise mix the directory and OFM before and after the sync.
 *
 * @example
 * ```ts
 * const run = yieldingToSyncs((signal) => previewSync({ ...deps, signal }), activity, { logger });
 * const preview = createPreviewFlight(run, logger);
 * ```
 */
export function yieldingToSyncs(
  run: (signal: AbortSignal) => Promise<SyncPreview>,
  activity: SyncActivity,
  options: YieldOptions,
): (signal: AbortSignal) => Promise<SyncPreview> {
  const pollMs = options.pollMs ?? 1000;
  const sleep = options.sleep ?? defaultSleep;
  return async (signal) => {
    for (;;) {
      while (await activity.busy()) await sleep(pollMs, signal);
      const attempt = new AbortController();
      const stop = activity.onBegin(() => attempt.abort(new Error("a sync began")));
      try {
        const p = await run(AbortSignal.any([signal, attempt.signal]));
        if (signal.aborted || !attempt.signal.aborted) return p;
      } finally {
        stop();
      }
      options.logger.info("🧪 Preview stopped: a sync began; it starts again once the sync ends");
    }
  };
}

/**
 * Stop requests for a command-line run (`sync`, `purge`): the first SIGTERM,
 * SIGINT or vanished npm launcher aborts the work — the run records
 * `interrupted` and the command releases the lease on its way out — and the
 * command exits with the signal's code (process/stop-request.ts); a second
 * request exits at once.
 *
 * @module
 */
import { interruptedExitCode, onStopRequest, type StopReason } from "../process/stop-request.ts";

/** A command's view of stop requests. */
export interface CommandStop {
  /** Aborted at the first request; hand it to the work. */
  readonly signal: AbortSignal;
  /** The first request's reason, or null. */
  readonly reason: StopReason | null;
  /** The exit code: the signal's when the work was interrupted, else `normal`. */
  exitCode(normal: number, interrupted: boolean): number;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Listens for stop requests.
 *
 * @param say where the command prints a line for a person
 * @param lastResortMs after the first request, exit anyway this much later (something hangs)
 * @example
 * ```ts
 * const stop = commandStop(out, 25_000);
 * const result = await runtime.runSync({ type: "full", signal: stop.signal });
 * return stop.exitCode(0, result.history.status === "interrupted");
 * ```
 */
export function commandStop(say: (line: string) => void, lastResortMs: number): CommandStop {
  const controller = new AbortController();
  let reason: StopReason | null = null;
  const dispose = onStopRequest((r) => {
    if (reason !== null) {
      say(`🛑 ${r} again: exiting without waiting`);
      process.exit(interruptedExitCode(r));
    }
    reason = r;
    say(`🛑 ${r}: stopping (the run is recorded interrupted and the lease released)`);
    controller.abort(new Error(`stopped: ${r}`));
    setTimeout(() => process.exit(interruptedExitCode(r)), lastResortMs).unref();
  });
  return {
    signal: controller.signal,
    get reason() {
      return reason;
    },
    exitCode(normal, interrupted) {
      return reason !== null && interrupted ? interruptedExitCode(reason) : normal;
    },
    dispose,
  };
}

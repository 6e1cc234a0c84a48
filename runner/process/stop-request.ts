/**
 * One way for every command to learn that it should stop: SIGTERM, SIGINT,
 * or — when npm started it — its launcher going away (launcher-watch.ts).
 * The daemon (`start`), `sync` and `purge` all stop through this, whether
 * started by npm, by `bun`, or as the compiled executable.
 *
 * Exit codes of a command stopped before it finished are the shell's for the
 * signal: 143 (SIGTERM), 130 (SIGINT), 129 when the launcher vanished (as a
 * hang-up). The daemon exits 0 after a clean stop: stopping is its normal end.
 *
 * @module
 */
import { launchedByNpm, watchLauncher } from "./launcher-watch.ts";

/** Why a command was asked to stop. */
export type StopReason = "SIGTERM" | "SIGINT" | "launcher gone";

/**
 * The exit code of a command interrupted for `reason` (128 + the signal's number).
 *
 * @example
 * ```ts
 * interruptedExitCode("SIGTERM"); // 143
 * ```
 */
export function interruptedExitCode(reason: StopReason): number {
  return reason === "SIGTERM" ? 143 : reason === "SIGINT" ? 130 : 129;
}

/** Options of {@linkcode onStopRequest}. */
export interface StopRequestOptions {
  /** Where `npm_command` is read. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** How often the launcher is looked at. @default 250 */
  watchEveryMs?: number;
}

/**
 * Calls `handler` for each stop request: every SIGTERM and SIGINT, and once
 * when the npm launcher is gone. The handler decides what a second request
 * means (the daemon exits at once).
 *
 * @returns a function that removes the handlers
 * @example
 * ```ts
 * const off = onStopRequest((reason) => controller.abort(new Error(reason)));
 * ```
 */
export function onStopRequest(
  handler: (reason: StopReason) => void,
  options: StopRequestOptions = {},
): () => void {
  const onTerm = () => handler("SIGTERM");
  const onInt = () => handler("SIGINT");
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  const stopWatch = launchedByNpm(options.env ?? process.env)
    ? watchLauncher({ onGone: () => handler("launcher gone"), everyMs: options.watchEveryMs })
    : () => {};
  return () => {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
    stopWatch();
  };
}

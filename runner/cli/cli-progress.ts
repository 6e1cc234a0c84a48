/**
 * The progress lines of `sync` and `purge` on stderr (stdout may carry
 * `--json`): the engine's and the purge's progress events turned into the
 * reporter's updates (progress/progress-reporter.ts), and a way for the
 * command's own lines to clear the terminal line first.
 *
 * @module
 */
import { createProgressReporter, type ProgressReporter } from "../progress/progress-reporter.ts";
import type { PurgeProgress } from "../purge/run-purge.ts";
import type { SyncProgress } from "../sync/sync-engine.ts";

/** The reporter plus what the command needs around it. */
export interface CliProgress extends ProgressReporter {
  /** Prints a line of the command's own after clearing the progress line. */
  say(write: (line: string) => void): (line: string) => void;
  sync(p: SyncProgress): void;
  purge(p: PurgeProgress): void;
}

/**
 * The progress of a command on stderr: one updating line on a terminal,
 * a line every 5 seconds elsewhere.
 *
 * @example
 * ```ts
 * const progress = cliProgress();
 * await runtime.runSync({ type: "full", onProgress: progress.sync });
 * ```
 */
export function cliProgress(
  stream: { write(text: string): unknown; isTTY?: boolean } = process.stderr,
): CliProgress {
  const tty = stream.isTTY === true;
  const reporter = createProgressReporter({ write: (t) => void stream.write(t), tty });
  return {
    ...reporter,
    say: (write) => (line) => {
      if (tty) stream.write("\r\x1b[K");
      write(line);
    },
    sync(p) {
      if (p.phase === "orgUnits" || p.phase === "users") {
        reporter.update({
          label: p.phase === "users" ? "Users fetched" : "Org units fetched",
          done: p.fetched,
          total: p.total,
          pages: p.pageNo,
        });
      } else if (p.phase === "writing" || p.phase === "done") reporter.finish();
    },
    purge(p) {
      reporter.update({
        label: p.phase === "checking" ? "Checked with the SSO" : "Deleted",
        done: p.done,
        total: p.total,
      });
    },
  };
}

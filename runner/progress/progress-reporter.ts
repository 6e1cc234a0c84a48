/**
 * Writes progress lines of long command-line work (progress-line.ts): on a
 * terminal one line rewritten in place, at most every `ttyEveryMs`;
 * elsewhere (a log, a pipe, a CI job) a whole line every `everyMs`, so a
 * long sync never looks like a hang and a log is not flooded. Clock and
 * sink are injected.
 *
 * @module
 */
import { progressLine, type ProgressSnapshot } from "./progress-line.ts";
import { systemEvery } from "../system-time.ts";

/** Options of {@linkcode createProgressReporter}. */
export interface ProgressReporterOptions {
  /** Where text goes (stderr: stdout may carry `--json`). */
  write: (text: string) => void;
  /** A terminal: rewrite one line; otherwise print whole lines. */
  tty: boolean;
  /** @default Date.now */
  now?: () => number;
  /** Lines apart when not a terminal. @default 5000 */
  everyMs?: number;
  /** Redraws apart on a terminal. @default 200 */
  ttyEveryMs?: number;
  /**
   * Runs `fn` every `ms` until the returned function is called: the heartbeat that
   * writes a line while the work waits (a rate-limit pause sends no update).
   * @default systemEvery (system-time.ts)
   */
  every?: (ms: number, fn: () => void) => () => void;
}

/** The estimate's rate is measured over this much recent time. */
const RATE_WINDOW_MS = 15_000;

/** What long work tells the reporter. */
export interface ProgressReporter {
  /** The work advanced; `label` changing starts a new phase (its rate measured afresh). */
  update(p: { label: string; done: number; total: number | null; pages?: number | null }): void;
  /** The SCIM rate limit held a request back this long. */
  rateWait(ms: number): void;
  /** The work ended: clear the terminal line (the summary follows). */
  finish(): void;
}

/**
 * Creates a reporter.
 *
 * @example
 * ```ts
 * const progress = createProgressReporter({ write: (t) => process.stderr.write(t), tty: process.stderr.isTTY === true });
 * progress.update({ label: "Users", done: 200, total: 1000, pages: 1 });
 * progress.finish();
 * ```
 */
export function createProgressReporter(o: ProgressReporterOptions): ProgressReporter {
  const now = o.now ?? Date.now;
  const gap = o.tty ? o.ttyEveryMs ?? 200 : o.everyMs ?? 5_000;
  let snap: ProgressSnapshot | null = null;
  // Recent (time, done) points of the phase: the estimate's rate is over the last 15 s.
  let samples: { t: number; done: number }[] = [];
  let waits = 0;
  let waitMs = 0;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let stopBeat: (() => void) | null = null;
  const draw = (t: number) => {
    if (!snap) return;
    lastWrite = t;
    while (samples.length > 1 && t - samples[1]!.t >= RATE_WINDOW_MS) samples.shift();
    const from = samples[0] ?? { t: snap.phaseStartedAtMs, done: 0 };
    const line = progressLine({
      ...snap,
      phaseStartedAtMs: from.t,
      doneAtStart: from.done,
      rateWaits: waits,
      rateWaitMs: waitMs,
    }, t);
    if (o.tty) {
      o.write(`\r\x1b[K  ${line}`);
      drawn = true;
    } else o.write(`  ${line}\n`);
  };
  return {
    update(p) {
      const t = now();
      const newPhase = snap === null || snap.label !== p.label;
      if (newPhase) samples = [{ t, done: 0 }];
      samples.push({ t, done: p.done });
      snap = {
        label: p.label,
        done: p.done,
        total: p.total,
        pages: p.pages ?? null,
        phaseStartedAtMs: newPhase ? t : snap!.phaseStartedAtMs,
        rateWaits: waits,
        rateWaitMs: waitMs,
      };
      // On a terminal a new phase shows at once; in a log only its first line waits for the gap.
      if (t - lastWrite >= gap || (o.tty && newPhase)) draw(t);
      stopBeat ??= (o.every ?? systemEvery)(gap, () => {
        const at = now();
        if (at - lastWrite >= gap) draw(at);
      });
    },
    rateWait(ms) {
      waits++;
      waitMs += ms;
    },
    finish() {
      stopBeat?.();
      stopBeat = null;
      snap = null;
      if (o.tty && drawn) o.write("\r\x1b[K");
      drawn = false;
    },
  };
}

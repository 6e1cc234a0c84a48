/**
 * The scheduling loop: one timer at a time, never two runs at once (in this
 * process by state, across replicas by the lease), decisions from
 * `nextRun()` (schedule.ts) over the shared `syncHistory`, so replicas agree on
 * what is due and a run done by one is not repeated by another.
 *
 * The state is one object (loop.ts); the timer's tick (tick.ts), the run
 * (job.ts) and re-arming from the history (planning.ts) are named steps over
 * it. Clock and timer are injected; tests drive the loop with fake time.
 *
 * @module
 */
import { summarizeHistory } from "./schedule.ts";
import { startJob } from "./job.ts";
import {
  acquireLease,
  arm,
  disarm,
  initialState,
  type Loop,
  message,
  type RunningJob,
} from "./loop.ts";
import { HISTORY_WINDOW, rearm } from "./planning.ts";
import { tick } from "./tick.ts";
import type { Job, PlannedSyncType, Scheduler, SchedulerDeps, TriggerRefusal } from "./types.ts";

export type * from "./types.ts";

/** After an abort, how long to wait for the engine to record `interrupted`. */
const ABORT_WAIT_MS = 5_000;

/**
 * Creates the scheduler (not yet started).
 *
 * @example
 * ```ts
 * const scheduler = createScheduler({ clock, timer, lease, runSync, recentHistory, deltaSupported, logger, config });
 * scheduler.start();
 * process.on("SIGTERM", () => scheduler.stop(10_000));
 * ```
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const loop: Loop = {
    deps,
    random: deps.random ?? Math.random,
    s: initialState(deps.clock.now()),
    tick,
  };
  const { s } = loop;
  return {
    start() {
      s.startedAt = deps.clock.now();
      if (deps.config.syncOnStart) arm(loop, deps.clock.now(), null, true);
      else void rearm(loop, true);
    },
    trigger: (type) => trigger(loop, type),
    async retryNow() {
      await deps.requestQuarantineRetry?.(deps.clock.now());
      if (s.quarantine) s.quarantine = { ...s.quarantine, active: false, since: null, failures: 0 };
      deps.logger.warn("🔁 Retry now: quarantine ended by an operator; starting a full sync");
      return await trigger(loop, "full");
    },
    get quarantine() {
      return s.quarantine;
    },
    stop: (graceMs) => stop(loop, graceMs),
    async idle() {
      while (s.ticking || s.job) {
        await s.ticking;
        await s.job?.done;
      }
    },
    get nextRunAt() {
      return s.nextAt;
    },
    get nextRunType() {
      return s.nextType;
    },
    get current() {
      return s.job?.state ?? null;
    },
    get lastJob() {
      return s.lastJob;
    },
  };
}

type TriggerResult = { ok: true; job: Job } | { ok: false; reason: TriggerRefusal };

/** An operator's run: now, unless one runs anywhere; resolves once the lease is taken. */
async function trigger(loop: Loop, type: PlannedSyncType): Promise<TriggerResult> {
  const { s, deps } = loop;
  if (s.stopping) return { ok: false, reason: "stopping" };
  if (s.job) return { ok: false, reason: "running" };
  if (s.busy) return { ok: false, reason: "busy" };
  s.busy = true;
  try {
    if (!(await acquireLease(loop))) return { ok: false, reason: "leased" };
    if (s.stopping) {
      await deps.lease.release();
      return { ok: false, reason: "stopping" };
    }
    const basis = type === "delta" ? await deltaBasis(loop) : { lastSuccess: null, delta: false };
    return {
      ok: true,
      job: startJob(loop, basis.delta ? "delta" : "full", basis.lastSuccess, "manual"),
    };
  } finally {
    s.busy = false;
  }
}

/** What an asked-for delta runs from; a full run when the history or the SSO cannot say. */
async function deltaBasis({ deps }: Loop): Promise<{ lastSuccess: Date | null; delta: boolean }> {
  let lastSuccess: Date | null = null;
  let delta = false;
  try {
    lastSuccess = summarizeHistory(await deps.recentHistory(HISTORY_WINDOW)).lastSuccess;
    delta = await deps.deltaSupported();
  } catch (e) {
    deps.logger.warn("⚠️ Delta sync unavailable; running a full sync", { error: message(e) });
  }
  return { lastSuccess, delta };
}

/** Stops taking work; waits up to graceMs for a run, then aborts it and waits for it to record. */
async function stop(loop: Loop, graceMs: number): Promise<void> {
  const { s, deps } = loop;
  s.stopping = true;
  disarm(loop);
  await s.ticking;
  const running: RunningJob | null = s.job;
  if (!running) return;
  if (await raceTimer(loop, running.done, graceMs)) return;
  deps.logger.warn("🛑 Shutdown grace elapsed: interrupting the running sync", {
    runId: running.state.runId,
  });
  running.abort.abort(new Error("shutdown"));
  if (!(await raceTimer(loop, running.done, ABORT_WAIT_MS))) {
    deps.logger.error("❌ The sync did not stop after abort; giving up waiting");
    await deps.lease.release();
  }
}

/** Whether `p` settles before `ms` pass on the injected timer. */
function raceTimer({ deps }: Loop, p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = deps.timer.setTimer(ms, () => resolve(false));
    p.then(() => {
      cancel();
      resolve(true);
    });
  });
}

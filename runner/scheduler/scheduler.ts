/**
 * The scheduling loop: one timer at a time, never two runs at once (in this
 * process by state, across replicas by the lease), decisions from
 * {@linkcode nextRun} over the shared `syncHistory`, so replicas agree on
 * what is due and a run done by one is not repeated by another.
 *
 * Clock and timer are injected; tests drive the loop with fake time.
 *
 * @module
 */
import {
  backoffMs,
  deltaSince,
  nextRun,
  type PlannedSyncType,
  summarizeHistory,
} from "./schedule.ts";
import type { Job, Scheduler, SchedulerDeps } from "./types.ts";

export type * from "./types.ts";

const HISTORY_WINDOW = 100;
/** After an abort, how long to wait for the engine to record `interrupted`. */
const ABORT_WAIT_MS = 5_000;
/** A tick that meets a trigger in flight looks again this much later. */
const BUSY_RETRY_MS = 1_000;

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
  const { clock, timer, lease, logger, config } = deps;
  const random = deps.random ?? Math.random;
  let cancelTimer: (() => void) | null = null;
  let nextAt: Date | null = null;
  let nextType: PlannedSyncType | null = null;
  let busy = false;
  let stopping = false;
  let ticking: Promise<void> | null = null;
  let job: { state: Job; done: Promise<void>; abort: AbortController } | null = null;
  let lastJob: Job | null = null;
  let localErrors = 0;
  let startedAt = clock.now();

  const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

  function arm(at: Date, type: PlannedSyncType | null, force = false): void {
    cancelTimer?.();
    nextAt = at;
    nextType = type;
    const delay = Math.max(0, at.getTime() - clock.now().getTime());
    cancelTimer = timer.setTimer(delay, () => {
      cancelTimer = null;
      ticking = tick(force).finally(() => (ticking = null));
      return ticking;
    });
  }

  async function plan() {
    const facts = summarizeHistory(await deps.recentHistory(HISTORY_WINDOW));
    let delta = false;
    try {
      delta = facts.lastSuccess !== null && (await deps.deltaSupported());
    } catch {
      delta = false;
    }
    const input = {
      now: clock.now(),
      ...config,
      lastFull: facts.lastFull,
      lastDelta: facts.lastDelta,
      consecutiveFailures: facts.consecutiveFailures,
      lastAttemptAt: facts.lastAttemptAt,
      deltaSupported: delta,
    };
    return {
      facts,
      due: nextRun({ ...input, random: () => 0 }),
      scheduled: nextRun({ ...input, random }),
    };
  }

  /** Arms the timer from the history; `atStart` without SYNC_ON_START defers what is already due by its gap. */
  async function rearm(atStart = false): Promise<void> {
    if (stopping) return;
    try {
      const { scheduled: planned } = await plan();
      if (stopping) return;
      const now = clock.now().getTime();
      const gap = planned.type === "delta" ? config.deltaIntervalMs : config.intervalMs;
      const scheduled = atStart && planned.at.getTime() <= now
        ? { ...planned, at: new Date(now + gap) }
        : planned;
      // A run that threw left no history entry, so the history alone would call it due again now.
      const at = localErrors === 0 ? scheduled.at : new Date(
        Math.max(
          scheduled.at.getTime(),
          clock.now().getTime() + backoffMs(localErrors, config.intervalMs),
        ),
      );
      arm(at, scheduled.type);
      logger.info(`⏰ Next sync: ${scheduled.type} at ${at.toISOString()} (${scheduled.reason})`);
    } catch (e) {
      localErrors++;
      const wait = backoffMs(localErrors, config.intervalMs);
      logger.warn("⚠️ Could not read sync history; retrying", { error: msg(e), retryInMs: wait });
      arm(new Date(clock.now().getTime() + wait), null);
    }
  }

  async function tick(force: boolean): Promise<void> {
    // A running job re-arms when it ends; a trigger taking the lease right now may yet be refused.
    if (stopping || job) return;
    if (busy) return arm(new Date(clock.now().getTime() + BUSY_RETRY_MS), nextType, force);
    busy = true;
    try {
      let acquired: boolean;
      try {
        acquired = await lease.acquire(() => job?.abort.abort(new Error("sync lease lost")));
      } catch (e) {
        localErrors++;
        const wait = backoffMs(localErrors, config.intervalMs);
        logger.warn("⚠️ Could not take the sync lease; retrying", {
          error: msg(e),
          retryInMs: wait,
        });
        arm(new Date(clock.now().getTime() + wait), nextType);
        return;
      }
      if (!acquired) {
        const wait = Math.min(config.intervalMs, config.leaseTtlMs);
        logger.info("⏭️ Sync skipped: another runner holds the sync lease", { retryInMs: wait });
        arm(new Date(clock.now().getTime() + wait), nextType);
        return;
      }
      if (stopping) {
        await lease.release();
        return;
      }
      let planned: Awaited<ReturnType<typeof plan>>;
      try {
        planned = await plan();
      } catch (e) {
        await lease.release();
        throw e;
      }
      // Another replica may have run while we waited: decide again under the lease.
      // SYNC_ON_START asks for one sync after start, which another replica's run satisfies.
      const syncedSinceStart = planned.facts.lastSuccess !== null &&
        planned.facts.lastSuccess >= startedAt;
      const due = force ? !syncedSinceStart : planned.due.at.getTime() <= clock.now().getTime();
      if (!due) {
        await lease.release();
        arm(planned.scheduled.at, planned.scheduled.type);
        return;
      }
      startJob(planned.due.type, planned.facts.lastSuccess, force ? "start" : "schedule");
    } catch (e) {
      localErrors++;
      arm(new Date(clock.now().getTime() + backoffMs(localErrors, config.intervalMs)), nextType);
      logger.warn("⚠️ Scheduler tick failed; retrying", { error: msg(e) });
    } finally {
      busy = false;
    }
  }

  function startJob(type: PlannedSyncType, lastSuccess: Date | null, trigger: Job["trigger"]): Job {
    cancelTimer?.();
    cancelTimer = null;
    nextAt = null;
    nextType = null;
    const runType = type === "delta" && lastSuccess === null ? "full" : type;
    const since = runType === "delta" && lastSuccess
      ? deltaSince(lastSuccess, config.deltaOverlapMs)
      : undefined;
    const abort = new AbortController();
    const state: Job = {
      runId: crypto.randomUUID(),
      type: runType,
      trigger,
      startedAt: clock.now(),
      historyId: null,
      status: "running",
      progress: null,
      history: null,
      error: null,
    };
    logger.debug(`Scheduler starting a ${runType} sync`, {
      trigger,
      runId: state.runId,
      ...(since ? { since: since.toISOString() } : {}),
    });
    const done = (async () => {
      try {
        const res = await deps.runSync({
          type: runType,
          since,
          signal: abort.signal,
          exclusive: true,
          onProgress: (p) => (state.progress = p),
          onStart: (id) => (state.historyId = id),
        });
        state.history = res.history;
        state.status = res.history.status;
        state.historyId = res.runId;
        localErrors = 0;
        deps.onRunFinished?.(res.history);
      } catch (e) {
        state.status = "failed";
        state.error = msg(e);
        localErrors++;
        logger.error("❌ Sync run failed before it could record itself", { error: state.error });
      } finally {
        await lease.release();
        lastJob = state;
        job = null;
        await rearm();
      }
    })();
    job = { state, done, abort };
    return state;
  }

  return {
    start() {
      startedAt = clock.now();
      if (config.syncOnStart) arm(clock.now(), null, true);
      else void rearm(true);
    },
    async trigger(type) {
      if (stopping) return { ok: false, reason: "stopping" };
      if (job) return { ok: false, reason: "running" };
      if (busy) return { ok: false, reason: "busy" };
      busy = true;
      try {
        if (!(await lease.acquire(() => job?.abort.abort(new Error("sync lease lost"))))) {
          return { ok: false, reason: "leased" };
        }
        if (stopping) {
          await lease.release();
          return { ok: false, reason: "stopping" };
        }
        let lastSuccess: Date | null = null;
        let delta = false;
        if (type === "delta") {
          try {
            lastSuccess = summarizeHistory(await deps.recentHistory(HISTORY_WINDOW)).lastSuccess;
            delta = await deps.deltaSupported();
          } catch (e) {
            logger.warn("⚠️ Delta sync unavailable; running a full sync", { error: msg(e) });
          }
        }
        return { ok: true, job: startJob(delta ? "delta" : "full", lastSuccess, "manual") };
      } finally {
        busy = false;
      }
    },
    async stop(graceMs) {
      stopping = true;
      cancelTimer?.();
      cancelTimer = null;
      nextAt = null;
      nextType = null;
      await ticking;
      const running = job;
      if (!running) return;
      const finished = await raceTimer(running.done, graceMs);
      if (finished) return;
      logger.warn("🛑 Shutdown grace elapsed: interrupting the running sync", {
        runId: running.state.runId,
      });
      running.abort.abort(new Error("shutdown"));
      if (!(await raceTimer(running.done, ABORT_WAIT_MS))) {
        logger.error("❌ The sync did not stop after abort; giving up waiting");
        await lease.release();
      }
    },
    async idle() {
      while (ticking || job) {
        await ticking;
        await job?.done;
      }
    },
    get nextRunAt() {
      return nextAt;
    },
    get nextRunType() {
      return nextType;
    },
    get current() {
      return job?.state ?? null;
    },
    get lastJob() {
      return lastJob;
    },
  };

  function raceTimer(p: Promise<void>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = timer.setTimer(ms, () => resolve(false));
      p.then(() => {
        cancel();
        resolve(true);
      });
    });
  }
}

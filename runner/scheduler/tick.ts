/**
 * What the timer does when it fires: take the lease (or arm a retry), decide
 * again under it from the shared history (another replica may have run
 * meanwhile) and start the run that is due, or release and re-arm.
 *
 * @module
 */
import { acquireLease, arm, armIn, failureBackoff, type Loop, message } from "./loop.ts";
import { startJob } from "./job.ts";
import { plan } from "./planning.ts";

/** A tick that meets a trigger in flight looks again this much later. */
export const BUSY_RETRY_MS = 1_000;

/**
 * One tick. Never throws: whatever fails is logged and retried after a backoff.
 *
 * @param force SYNC_ON_START's tick: run unless a sync succeeded since start
 * @example
 * ```ts
 * const loop: Loop = { deps, random, s: initialState(now), tick };
 * ```
 */
export async function tick(loop: Loop, force: boolean): Promise<void> {
  const { s, deps } = loop;
  // A running job re-arms when it ends; a trigger taking the lease right now may yet be refused.
  if (s.stopping || s.job) return;
  if (s.busy) return armIn(loop, BUSY_RETRY_MS, s.nextType, force);
  s.busy = true;
  try {
    if (!(await takeLease(loop))) return;
    if (s.stopping) {
      await deps.lease.release();
      return;
    }
    await runIfDue(loop, force);
  } catch (e) {
    armIn(loop, failureBackoff(loop));
    deps.logger.warn("⚠️ Scheduler tick failed; retrying", { error: message(e) });
  } finally {
    s.busy = false;
  }
}

/** Takes the lease; when it cannot, arms the retry and says so. */
async function takeLease(loop: Loop): Promise<boolean> {
  const { deps } = loop;
  let acquired: boolean;
  try {
    acquired = await acquireLease(loop);
  } catch (e) {
    const wait = failureBackoff(loop);
    deps.logger.warn("⚠️ Could not take the sync lease; retrying", {
      error: message(e),
      retryInMs: wait,
    });
    armIn(loop, wait);
    return false;
  }
  if (!acquired) {
    const wait = Math.min(deps.config.intervalMs, deps.config.leaseTtlMs);
    deps.logger.info("⏭️ Sync skipped: another runner holds the sync lease", { retryInMs: wait });
    armIn(loop, wait);
  }
  return acquired;
}

/** Under the lease: starts the due run, or releases and arms the next. */
async function runIfDue(loop: Loop, force: boolean): Promise<void> {
  const { s, deps } = loop;
  let planned: Awaited<ReturnType<typeof plan>>;
  try {
    planned = await plan(loop);
  } catch (e) {
    await deps.lease.release();
    throw e;
  }
  // Another replica may have run while we waited: decide again under the lease.
  // SYNC_ON_START asks for one sync after start, which another replica's run satisfies.
  const { lastSuccess } = planned.facts;
  const syncedSinceStart = lastSuccess !== null && lastSuccess >= s.startedAt;
  const due = force ? !syncedSinceStart : planned.due.at.getTime() <= deps.clock.now().getTime();
  if (!due) {
    await deps.lease.release();
    arm(loop, planned.scheduled.at, planned.scheduled.type);
    return;
  }
  startJob(loop, planned.due.type, lastSuccess, force ? "start" : "schedule");
}

/**
 * The daemon's scheduler over real parts, on fake time: the real sync engine,
 * the real `syncHistory` store and lease store on the MongoDB-wire server of
 * `npm test`, and a development SSO. Only the clock and the timers are fake,
 * so a test can live through hours of schedule and count what the engine
 * recorded. Nothing here writes a history entry by hand.
 *
 * @module
 */
import { silentLogger } from "../../../shared/logger.ts";
import type { DevSsoOptions } from "../../../dev/sso/app.ts";
import { loadConfig } from "../../../runner/config.ts";
import type { Scheduler } from "../../../runner/scheduler/scheduler.ts";
import type { SyncHistoryDoc } from "../../../runner/store/collections.ts";
import { createRuntime } from "../../../runner/compose.ts";
import { createFakeTime, type FakeTime } from "./fake-time.ts";
import { type SyncEnv, syncEnv } from "./sync-env.ts";

/** A run as `syncHistory` holds it, with its start in minutes after the harness began. */
export interface RecordedRun {
  minute: number;
  type: SyncHistoryDoc["type"];
  status: SyncHistoryDoc["status"];
  since: Date | null;
  startedAt: Date;
}

/** What {@linkcode scheduleHarness} returns. */
export interface ScheduleHarness {
  env: SyncEnv;
  time: FakeTime;
  scheduler: Scheduler;
  start: Date;
  /** Lives through `ms` of fake time, every due timer fired and every run finished in order. */
  runFor(ms: number): Promise<void>;
  /** Every run the engine recorded, oldest first. */
  runs(): Promise<RecordedRun[]>;
  close(): Promise<void>;
}

/** Runs a scheduler may start at one instant before the harness calls it a runaway. */
const MAX_RUNS_PER_INSTANT = 5;

/**
 * Builds the scheduler as runner/main.ts does, over fake time.
 *
 * @example
 * ```ts
 * const h = await scheduleHarness("window", { SYNC_INTERVAL: "1h", SYNC_DELTA_INTERVAL: "15m" });
 * await h.runFor(2 * 3_600_000);
 * const runs = await h.runs();
 * await h.close();
 * ```
 */
export async function scheduleHarness(
  name: string,
  envExtra: Record<string, string>,
  sso: DevSsoOptions = {},
  /** A server put in front of the SSO (SSO_BASE_URL points at it); stopped by `close`. */
  front?: (ssoUrl: string) => { url: string; stop(): void },
): Promise<ScheduleHarness> {
  const env = await syncEnv(name, sso);
  const proxy = front?.(env.sso.url);
  if (proxy) envExtra = { SSO_BASE_URL: proxy.url, ...envExtra };
  // Whole seconds, near the wall clock: the SSO's meta timestamps stay on the real clock.
  const start = new Date(Math.floor(Date.now() / 1000) * 1000);
  const time = createFakeTime(start);
  // The daemon's own wiring (runner/compose.ts): its lease and scheduler, on the fake clock and timers.
  const runtime = await createRuntime(
    loadConfig({ ...env.env, SCIM_RATE_LIMIT: "100000", SYNC_JITTER: "0s", ...envExtra }),
    silentLogger,
    { now: time.clock.now, timer: time.timer, random: () => 0 },
  );
  const { history, scheduler } = runtime;

  const recorded = async () =>
    (await history.recent(10_000)).filter((h) => h.status !== "running").length;
  return {
    env,
    time,
    scheduler,
    start,
    async runFor(ms) {
      const end = time.clock.now().getTime() + ms;
      let instant = -1;
      let atInstant = 0;
      let before = await recorded();
      for (;;) {
        await scheduler.idle();
        const next = time.nextAt();
        if (next === null || next.getTime() > end) break;
        await time.advance(next.getTime() - time.clock.now().getTime());
        await scheduler.idle();
        const now = time.clock.now().getTime();
        const count = await recorded();
        atInstant = now === instant ? atInstant + (count - before) : count - before;
        instant = now;
        before = count;
        if (atInstant > MAX_RUNS_PER_INSTANT) {
          throw new Error(
            `runaway schedule: ${atInstant} runs at ${
              new Date(now).toISOString()
            } without time passing`,
          );
        }
      }
      await time.advance(end - time.clock.now().getTime());
      await scheduler.idle();
    },
    async runs() {
      const docs = await history.recent(10_000);
      return docs.reverse().map((d) => ({
        minute: (d.startedAt.getTime() - start.getTime()) / 60_000,
        type: d.type,
        status: d.status,
        since: d.since ?? null,
        startedAt: d.startedAt,
      }));
    },
    async close() {
      await scheduler.stop(0);
      proxy?.stop();
      await runtime.close();
      await env.close();
    },
  };
}

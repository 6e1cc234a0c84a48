/**
 * `npm start`: the runner daemon. Reads the configuration (exit 2 when it is
 * wrong), builds the runtime through the composition root (compose.ts),
 * serves the HTTP app on HOST:PORT and prints `ready http://HOST:PORT` once
 * listening, then starts the scheduler. SIGTERM/SIGINT stop it gracefully:
 * no new work, the running sync finishes or is interrupted within
 * SHUTDOWN_GRACE_MS, the lease is released, MongoDB closed, exit 0.
 *
 * @module
 */
import type { Hono } from "hono";
import { ConfigError } from "../shared/errors.ts";
import { unknownVariableWarnings } from "../shared/env-typos.ts";
import { createLogger, type Logger } from "../shared/logger.ts";
import { createRuntime, runnerIdOf, type Runtime } from "./compose.ts";
import { type Config, loadConfig } from "./config.ts";
import { createHealthCheck } from "./health.ts";
import { createRunnerApp } from "./http/app.ts";
import { assertAdminAuthConfig } from "./http/auth.ts";
import { heldPanelData } from "./http/held-routes.tsx";
import { webhookMounts } from "./http/mounts.ts";
import { rawTargetRoutes } from "./http/raw-target.ts";
import { metrics } from "./metrics.ts";
import { type HealthProbe, openHealthProbe } from "./store/health-probe.ts";
import { watchMonitors } from "./store/monitor-watchdog.ts";
import { onStopRequest, type StopReason } from "./process/stop-request.ts";
import { createEventTrend } from "./store/event-trend.ts";
import { createLastFullSync } from "./store/last-full-sync.ts";
import { timeFormat } from "./time-format.ts";
import { systemClock, systemEvery } from "./system-time.ts";

function readConfig(): Config {
  try {
    const config = loadConfig(process.env);
    assertAdminAuthConfig(config);
    for (const w of unknownVariableWarnings(process.env)) console.error(`⚠️ ${w}`);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`❌ ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}

/** Awaits a start-up step; a failure ends the process with exit 1 and one line. */
async function orExit<T>(step: Promise<T>, log: Logger): Promise<T> {
  try {
    return await step;
  } catch (e) {
    log.error(`❌ Runner could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

async function seedLastSuccess(runtime: Runtime): Promise<void> {
  for (const type of ["scim_full_sync", "scim_delta_sync"] as const) {
    const last = await runtime.history.lastSuccess(type).catch(() => null);
    if (last) metrics.recordLastSuccess(type, last.completedAt ?? last.startedAt);
  }
  // The last full listings, proven complete or not, for the incomplete-listing alert.
  const recent = await runtime.history.recent(200).catch(() => []);
  for (const complete of [true, false]) {
    const last = recent.find((h) =>
      h.type === "scim_full_sync" && !h.dryRun && h.complete === complete && h.completedAt
    );
    if (last?.completedAt) metrics.recordLastFullListing(complete, last.completedAt);
  }
}

/**
 * Notifications besides the runs' own: once at start and every minute, so held
 * deletions (which arrive by webhook) are told and failed deliveries retried.
 */
function watchNotifications(runtime: Runtime): void {
  if (!runtime.notifications.enabled) return;
  void runtime.notifications.check();
  setInterval(() => void runtime.notifications.check(), 60_000).unref();
}

/** The runner's HTTP app over the runtime: health, metrics, the sync page, the webhook routes. */
function daemonApp(
  runtime: Runtime,
  probe: HealthProbe,
  startedAt: Date,
  listenPort: () => number | null,
): Hono {
  const { config, logger: log, scheduler, events } = runtime;
  const zone = timeFormat(config.pageTimeZone);
  return createRunnerApp({
    config,
    listenPort,
    logger: log,
    metrics,
    health: createHealthCheck({
      pingMongo: probe.ping,
      checkSso: async () => {
        const c = await runtime.connection();
        return c.ok ? { ok: true } : { ok: false, error: c.error };
      },
      recentRuns: probe.recentRuns,
      heldCount: probe.heldCount,
      quarantine: () => scheduler.quarantine,
      now: systemClock.now,
      intervalMs: config.syncIntervalMs,
      startedAt,
    }),
    sync: {
      scheduler,
      quarantineIntervalMs: config.quarantineIntervalMs,
      now: systemClock.now,
      logger: log,
      applyHeld: () => runtime.decisions.approve({ all: true }, "API"),
      preview: (signal) => runtime.preview(signal),
      zone,
      page: {
        ssoBaseUrl: config.ssoBaseUrl,
        connection: () => runtime.connection(),
        recentHistory: (n) => runtime.history.recent(n),
        recentEvents: (n) => events.recent(n),
        heldPage: () => heldPanelData(runtime.held.page),
        eventsSince: (since) => createEventTrend(runtime.mongo.db).since(since),
        leaseHolder: async () => (await runtime.leaseStore.holder("scim-sync"))?.owner ?? null,
        lastFullSync: () => createLastFullSync(runtime.mongo.db).read(),
      },
    },
    held: { page: runtime.held.page, held: runtime.held.held, decisions: runtime.decisions, zone },
    people: {
      inspect: runtime.inspect,
      syncPerson: runtime.syncPerson,
      syncOrgUnit: runtime.syncOrgUnit,
      findPeople: runtime.findPeople,
      zone,
    },
    mounts: webhookMounts({
      events,
      config,
      logger: log,
      onApplied: metrics.recordWebhookEvent,
      onBusy: () => metrics.recordIngestRejected("busy"),
    }),
  });
}

/**
 * Stop requests (SIGTERM, SIGINT, or the npm launcher gone: process/stop-request.ts),
 * listened to from the first moment: before the runner is up a request ends the
 * process at once (it holds no lease and runs nothing yet); after, `whenUp` decides.
 */
function stopRequests(): { whenUp(handler: (reason: StopReason) => void): void } {
  let handler: ((reason: StopReason) => void) | null = null;
  onStopRequest((reason) => {
    if (handler) return handler(reason);
    console.error(`🛑 ${reason} during start-up: exiting`);
    process.exit(0);
  });
  return { whenUp: (h) => void (handler = h) };
}

/** Why the daemon stops: a stop request, or its MongoDB client stuck (exit code 1). */
type ShutdownReason = StopReason | "MongoDB monitor stopped";

/**
 * Stops in order; a second request exits at once. Returns the shutdown, which the MongoDB
 * monitor watch also calls, with exit code 1 so that the supervisor starts a new process.
 */
function onSignals(
  runtime: Runtime,
  stopServer: () => Promise<void>,
  probe: HealthProbe,
  stops: ReturnType<typeof stopRequests>,
): (reason: ShutdownReason, code?: number) => Promise<void> {
  const { config, logger: log } = runtime;
  let stopping = false;
  const shutdown = async (signal: ShutdownReason, code = 0) => {
    if (stopping) {
      log.warn(`⚠️ ${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    const why = code === 0 ? `${signal} received` : signal;
    log.info(`🛑 ${why}: finishing up (grace ${config.shutdownGraceMs} ms)`);
    // A last resort if something hangs; the normal path exits well before.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 15_000).unref();
    await runtime.scheduler.stop(config.shutdownGraceMs);
    await runtime.lease.release();
    await stopServer();
    await runtime.close().catch(() => {});
    await probe.close().catch(() => {});
    log.info("👋 Runner stopped");
    process.exit(code);
  };
  stops.whenUp((reason) => void shutdown(reason));
  return shutdown;
}

/** Ends the process for a restart when the main client's MongoDB monitor has stopped (store/monitor-watchdog.ts). */
function restartOnStoppedMonitor(
  runtime: Runtime,
  shutdown: ReturnType<typeof onSignals>,
): void {
  watchMonitors(runtime.mongo.client, {
    every: systemEvery,
    onStopped: ({ address, pendingMs }) => {
      runtime.logger.error(
        `❌ MongoDB client stuck: its check of ${address} has not ended for ` +
          `${Math.round(pendingMs / 1000)} s, so no write can reach MongoDB; ` +
          "exiting with code 1 for the supervisor to start a fresh process",
      );
      void shutdown("MongoDB monitor stopped", 1);
    },
  });
}

/** Search keys for users written before they existed, in the background: the page is up meanwhile. */
function backfillSearchKeys(runtime: Runtime): void {
  const started = Date.now();
  runtime.backfillSearchKeys().then(
    (n) => {
      if (n === null) {
        runtime.logger.info(
          "🔎 Person search: search keys not backfilled on FerretDB (its updates are not atomic); " +
            "users written before them are found by their fields as stored",
        );
        runtime.logger.warn(
          "⚠️ FerretDB: updates are not atomic, so run one runner for webhooks: two replicas " +
            "writing one person at once can lose the newer write until the next full sync " +
            '(README, "MongoDB and FerretDB")',
        );
      } else if (n > 0) {
        runtime.logger.info(`🔎 Person search: ${n} stored users given search keys`, {
          ms: Date.now() - started,
        });
      }
    },
    (e) =>
      runtime.logger.warn("⚠️ Person search: filling search keys failed; the next start retries", {
        error: e instanceof Error ? e.message : String(e),
      }),
  );
}

async function main(): Promise<void> {
  const stops = stopRequests();
  const config = readConfig();
  const format = process.stdout.isTTY ? "pretty" : "json";
  const base = format === "json" ? { runner: runnerIdOf(config) } : undefined;
  const log = createLogger({ level: config.logLevel, format, ...(base ? { base } : {}) });
  const startedAt = systemClock.now();
  const runtime = await orExit(
    createRuntime(config, log, {
      onRequest: metrics.recordScimRequest,
      onFinished: metrics.recordSyncRun,
      onLeaseHeld: metrics.recordLeaseHeld,
      onLeaseLost: metrics.recordLeaseLost,
      onConsecutiveFailures: metrics.recordConsecutiveFailures,
      onQuarantine: metrics.recordQuarantine,
    }),
    log,
  );
  await seedLastSuccess(runtime);
  metrics.recordSchedule({
    intervalMs: config.syncIntervalMs,
    deltaIntervalMs: config.deltaIntervalMs,
  });
  // Past this many, the gauge reads "at least"; an operator has long been paged by then.
  metrics.watchHeldDeactivations(() => runtime.held.count());
  // /health's own connection: it must not wait behind webhook writes in the main pool.
  const probe = await orExit(openHealthProbe(config.mongoUri, config.mongoDb, log), log);
  let boundPort: number | null = config.port === 0 ? null : config.port;
  const app = daemonApp(runtime, probe, startedAt, () => boundPort);
  // routes: keys in paths are checked on the request-target as sent, before the URL parser
  // resolves their dot segments (http/raw-target.ts).
  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    routes: rawTargetRoutes(app.fetch),
    fetch: app.fetch,
  });
  boundPort = server.port ?? null;
  const shownHost = config.host.includes(":") ? `[${config.host}]` : config.host;
  console.log(`ready http://${shownHost}:${server.port}`);
  log.info(
    `🚀 Runner ${runtime.runnerId} listening on http://${shownHost}:${server.port}/modules/sync`,
  );
  runtime.scheduler.start();
  watchNotifications(runtime);
  const shutdown = onSignals(runtime, () => server.stop(true), probe, stops);
  restartOnStoppedMonitor(runtime, shutdown);
  backfillSearchKeys(runtime);
}

await main();

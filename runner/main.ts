/**
 * `npm start`: the runner daemon. Reads the configuration (exit 2 when it is
 * wrong), connects, starts the scheduler, serves the HTTP app on HOST:PORT and
 * prints `ready http://HOST:PORT` once listening. SIGTERM/SIGINT stop it
 * gracefully: no new work, the running sync finishes or is interrupted within
 * SHUTDOWN_GRACE_MS, the lease is released, MongoDB closed, exit 0.
 *
 * @module
 */
import { ConfigError } from "../shared/errors.ts";
import { createLogger, type Logger } from "../shared/logger.ts";
import { type Config, loadConfig } from "./config.ts";
import { createHealthCheck } from "./health.ts";
import { assertAdminAuthConfig } from "./http/auth.ts";
import { createRunnerApp } from "./http/app.ts";
import { webhookMounts } from "./http/mounts.ts";
import { createLease } from "./lease.ts";
import { metrics } from "./metrics.ts";
import { createRuntime, type Runtime } from "./runtime.ts";
import { createScheduler } from "./scheduler/scheduler.ts";
import { openHealthProbe } from "./store/health-probe.ts";
import { createLeaseStore } from "./store/lease-store.ts";
import { systemClock, systemTimer } from "./system-time.ts";

function readConfig(): Config {
  try {
    const config = loadConfig(process.env);
    assertAdminAuthConfig(config);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`❌ ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}

async function connect(config: Config, logger: Logger): Promise<Runtime> {
  try {
    return await createRuntime(config, logger, {
      onRequest: metrics.recordScimRequest,
      onFinished: metrics.recordSyncRun,
    });
  } catch (e) {
    logger.error(`❌ Runner could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

async function seedLastSuccess(runtime: Runtime): Promise<void> {
  for (const type of ["scim_full_sync", "scim_delta_sync"] as const) {
    const last = await runtime.history.lastSuccess(type).catch(() => null);
    if (last) metrics.recordLastSuccess(type, last.completedAt ?? last.startedAt);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const format = process.stdout.isTTY ? "pretty" : "json";
  const logger = createLogger({ level: config.logLevel, format });
  const startedAt = systemClock.now();
  const runtime = await connect(config, logger);
  const log = format === "json" ? createLogger({ level: config.logLevel, format, base: { runner: runtime.runnerId } })
    : logger;

  const lease = createLease({
    store: createLeaseStore(runtime.mongo.db),
    owner: runtime.runnerId,
    ttlMs: config.leaseTtlMs,
    timer: systemTimer,
    logger: log,
    onHeldChange: metrics.recordLeaseHeld,
  });
  const scheduler = createScheduler({
    clock: systemClock,
    timer: systemTimer,
    lease,
    runSync: (options) => runtime.runSync(options),
    recentHistory: (n) => runtime.history.recent(n),
    deltaSupported: () => runtime.deltaSupported(),
    logger: log,
    config: {
      intervalMs: config.syncIntervalMs,
      deltaIntervalMs: config.deltaIntervalMs,
      jitterMs: config.jitterMs,
      syncOnStart: config.syncOnStart,
      leaseTtlMs: config.leaseTtlMs,
    },
  });
  await seedLastSuccess(runtime);
  const leaseStore = createLeaseStore(runtime.mongo.db);
  const mounts = await webhookMounts({
    db: runtime.mongo.db,
    config,
    logger: log,
    onApplied: metrics.recordWebhookEvent,
  });

  // /health's own connection: it must not wait behind webhook writes in the main pool.
  const probe = await openHealthProbe(config.mongoUri, config.mongoDb, log).catch((e) => {
    log.error(`❌ Runner could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
  let boundPort: number | null = config.port === 0 ? null : config.port;
  const app = createRunnerApp({
    config,
    listenPort: () => boundPort,
    logger: log,
    metrics,
    health: createHealthCheck({
      pingMongo: probe.ping,
      checkSso: async () => {
        const c = await runtime.connection();
        return c.ok ? { ok: true } : { ok: false, error: c.error };
      },
      lastRun: probe.lastRun,
      lastSuccess: probe.lastSuccess,
      now: systemClock.now,
      intervalMs: config.syncIntervalMs,
      startedAt,
    }),
    sync: {
      scheduler,
      now: systemClock.now,
      logger: log,
      applyHeld: mounts.applyHeld,
      page: {
        ssoBaseUrl: config.ssoBaseUrl,
        connection: () => runtime.connection(),
        recentHistory: (n) => runtime.history.recent(n),
        recentEvents: mounts.recentEvents,
        heldEvents: mounts.heldEvents,
        leaseHolder: async () => (await leaseStore.holder("scim-sync"))?.owner ?? null,
      },
    },
    mounts: mounts.apps,
  });

  const server = Bun.serve({ hostname: config.host, port: config.port, fetch: app.fetch });
  boundPort = server.port ?? null;
  const shownHost = config.host.includes(":") ? `[${config.host}]` : config.host;
  console.log(`ready http://${shownHost}:${server.port}`);
  log.info(`🚀 Runner ${runtime.runnerId} listening on http://${shownHost}:${server.port}/modules/sync`);
  scheduler.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn(`⚠️ ${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log.info(`🛑 ${signal} received: finishing up (grace ${config.shutdownGraceMs} ms)`);
    // A last resort if something hangs; the normal path exits well before.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 15_000).unref();
    await scheduler.stop(config.shutdownGraceMs);
    await lease.release();
    await server.stop(true);
    await runtime.close().catch(() => {});
    await probe.close().catch(() => {});
    log.info("👋 Runner stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

await main();

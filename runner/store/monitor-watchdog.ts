/**
 * Notices a MongoDB client whose server monitor has stopped: a check (heartbeat) that began
 * and never ended. Seen under Bun with FerretDB killed and started again while the runner
 * was busy: the monitor's connection was destroyed with its `hello` in flight, that `hello`
 * neither succeeded nor failed, and the monitor, waiting for it, never checked the server
 * again. The client kept the server "Unknown" with the old "connection N … closed" error:
 * every write failed for as long as the process lived (5 minutes of restarts, then a quiet
 * minute), while a new client reached the same server at once.
 *
 * Nothing in the driver's public API restarts one monitor, so the daemon ends the process
 * (deploy/ restarts it on failure) and a new process starts with a new client. The watch
 * reads only the driver's public SDAM events: `serverHeartbeatStarted`, then
 * `…Succeeded` or `…Failed`.
 *
 * @module
 */
import type { MongoClient } from "mongodb";

/** Room past the longest check the client's options allow, for a loaded machine. */
const ROOM_MS = 10_000;
/** The driver's connect timeout when `connectTimeoutMS` is 0 (none): its own default. */
const DRIVER_CONNECT_TIMEOUT_MS = 30_000;

/**
 * How long a check may last before the monitor counts as stopped, for a client's options: its
 * connect timeout plus an awaited `hello`'s wait (`heartbeatFrequencyMS`), with room. A URI that
 * lengthens either (`?connectTimeoutMS=60000`) lengthens the deadline, so a slow but live check
 * never ends the process.
 *
 * @example
 * ```ts
 * monitorDeadlineMs({ connectTimeoutMS: 30_000, heartbeatFrequencyMS: 10_000 }); // 50000, the driver's defaults
 * monitorDeadlineMs(mongo.client.options);
 * ```
 */
export function monitorDeadlineMs(
  o: { connectTimeoutMS: number; heartbeatFrequencyMS: number },
): number {
  const connect = o.connectTimeoutMS > 0 ? o.connectTimeoutMS : DRIVER_CONNECT_TIMEOUT_MS;
  return connect + o.heartbeatFrequencyMS + ROOM_MS;
}

/** The checks in flight, by server address (pure state). */
export interface MonitorWatch {
  /** A check of `address` began at `at` (ms). */
  started(address: string, at: number): void;
  /** The check of `address` ended, either way. */
  settled(address: string): void;
  /** The addresses whose check began more than the deadline before `now`, with how long ago. */
  stopped(now: number): { address: string; pendingMs: number }[];
}

/**
 * Creates the state of a watch.
 *
 * @throws {RangeError} for a deadline that is not a positive number of ms
 * @example
 * ```ts
 * const watch = createMonitorWatch(50_000);
 * watch.started("db:27017", 0);
 * watch.stopped(60_000); // [{ address: "db:27017", pendingMs: 60000 }]
 * ```
 */
export function createMonitorWatch(deadlineMs: number): MonitorWatch {
  if (!(deadlineMs > 0)) throw new RangeError("deadlineMs must be positive");
  const since = new Map<string, number>();
  return {
    // An awaited (streaming) check starts again right after it succeeds: each start resets.
    started: (address, at) => void since.set(address, at),
    settled: (address) => void since.delete(address),
    stopped: (now) =>
      [...since].filter(([, at]) => now - at > deadlineMs).map(([address, at]) => ({
        address,
        pendingMs: now - at,
      })),
  };
}

/**
 * Watches `client`'s monitors and calls `onStopped` (once) when one has stopped.
 *
 * @returns a function that ends the watch
 * @example
 * ```ts
 * const unwatch = watchMonitors(mongo.client, {
 *   every: systemEvery,
 *   onStopped: (s) => exitForRestart(`MongoDB monitor of ${s.address} stopped`),
 * });
 * ```
 */
export function watchMonitors(
  client: MongoClient,
  o: {
    onStopped: (s: { address: string; pendingMs: number }) => void;
    /** @default monitorDeadlineMs(client.options) */
    deadlineMs?: number;
    everyMs?: number;
    now?: () => number;
    /** The interval the watch looks on (system-time.ts's `systemEvery` in production). */
    every: (ms: number, fn: () => void) => () => void;
  },
): () => void {
  const now = o.now ?? Date.now;
  const watch = createMonitorWatch(o.deadlineMs ?? monitorDeadlineMs(client.options));
  const onStarted = (e: { connectionId: string }) => watch.started(e.connectionId, now());
  const onSettled = (e: { connectionId: string }) => watch.settled(e.connectionId);
  client.on("serverHeartbeatStarted", onStarted);
  client.on("serverHeartbeatSucceeded", onSettled);
  client.on("serverHeartbeatFailed", onSettled);
  let told = false;
  const stop = o.every(o.everyMs ?? 5_000, () => {
    const first = watch.stopped(now())[0];
    if (first && !told) {
      told = true;
      o.onStopped(first);
    }
  });
  return () => {
    stop();
    client.off("serverHeartbeatStarted", onStarted);
    client.off("serverHeartbeatSucceeded", onSettled);
    client.off("serverHeartbeatFailed", onSettled);
  };
}

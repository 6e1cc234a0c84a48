/**
 * The types the scheduler shares with its callers: what it asks of the sync
 * engine, what it reports about runs, and its handle.
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import type { Lease, Timer } from "../lease.ts";
import type { SyncHistoryDoc } from "../store/collections.ts";
import type { SyncProgress } from "../sync/run-context.ts";
import type { HistoryEntry, PlannedSyncType } from "./schedule.ts";
import type { QuarantineEntry, QuarantineState } from "./quarantine.ts";

export type { QuarantineState } from "./quarantine.ts";

export type { Timer } from "../lease.ts";
export type { PlannedSyncType } from "./schedule.ts";

/** Progress of a running sync, as the engine reports it. */
export type { SyncProgress } from "../sync/run-context.ts";

/** What the scheduler asks of the sync engine (a subset of the engine's RunSyncOptions). */
export interface ScheduledSyncOptions {
  type: PlannedSyncType;
  since?: Date;
  signal: AbortSignal;
  onProgress: (p: SyncProgress) => void;
  /** Told the run's syncHistory id as soon as the run is recorded. */
  onStart?: (historyId: string) => void;
  /** The scheduler holds the lease while it runs. */
  exclusive?: boolean;
}

/** A run started by this scheduler. */
export interface Job {
  /** The scheduler's id of the run, handed to the trigger's caller (the HTTP 202), stable for the whole run. */
  runId: string;
  /** The run's syncHistory `_id`, once recorded. */
  historyId: string | null;
  type: PlannedSyncType;
  trigger: "start" | "schedule" | "manual";
  startedAt: Date;
  status: "running" | SyncHistoryDoc["status"];
  progress: SyncProgress | null;
  history: SyncHistoryDoc | null;
  error: string | null;
}

/** Dependencies of {@linkcode createScheduler}. */
export interface SchedulerDeps {
  clock: { now(): Date };
  timer: Timer;
  /** @default Math.random */
  random?: () => number;
  lease: Lease;
  runSync(
    options: ScheduledSyncOptions,
  ): Promise<{ history: SyncHistoryDoc; historyId: string | null }>;
  /** The most recent syncHistory entries, any order. */
  recentHistory(limit: number): Promise<(HistoryEntry | QuarantineEntry)[]>;
  /** When an operator last asked to retry out of quarantine (shared by replicas); absent: never. */
  quarantineRetryAt?(): Promise<Date | null>;
  /** Records an operator's "Retry now" (scheduler.retryNow). */
  requestQuarantineRetry?(at: Date): Promise<void>;
  /** Told the quarantine state each time the history is read (metrics, notifications). */
  onQuarantine?: (state: QuarantineState) => void;
  deltaSupported(): Promise<boolean>;
  logger: Logger;
  /** Told after every finished run (metrics). */
  onRunFinished?: (history: SyncHistoryDoc) => void;
  /** Told the failures in a row each time the history is read (the alert's gauge). */
  onConsecutiveFailures?: (n: number) => void;
  config: {
    intervalMs: number;
    deltaIntervalMs: number;
    jitterMs: number;
    syncOnStart: boolean;
    leaseTtlMs: number;
    /** @default 120000 */
    deltaOverlapMs?: number;
    /** SYNC_QUARANTINE_AFTER: full syncs failed in a row before quarantine; 0 never. @default 0 */
    quarantineAfter?: number;
    /** SYNC_QUARANTINE_INTERVAL: the cadence of full syncs while quarantined. @default 86400000 */
    quarantineIntervalMs?: number;
  };
}

/** Why a trigger did not start a run. */
export type TriggerRefusal = "running" | "busy" | "leased" | "stopping";

/** The scheduler's handle. */
export interface Scheduler {
  /**
   * Arms the first timer. SYNC_ON_START: a sync now, unless another replica
   * syncs first. Otherwise from the history, and a sync already due then
   * waits one interval (restarts do not hit the SSO).
   */
  start(): void;
  /** Starts a run now unless one runs anywhere; resolves once the lease is taken. */
  trigger(
    type: PlannedSyncType,
  ): Promise<{ ok: true; job: Job } | { ok: false; reason: TriggerRefusal }>;
  /**
   * An operator's "Retry now": ends the quarantine (failures so far are forgiven, for
   * every replica) and starts a full sync now, as `trigger("full")` does.
   */
  retryNow(): Promise<{ ok: true; job: Job } | { ok: false; reason: TriggerRefusal }>;
  /** The quarantine as last read from the history; null before the first reading. */
  readonly quarantine: QuarantineState | null;
  /** Stops taking work; waits up to graceMs for a run, then aborts it and waits for it to record. */
  stop(graceMs: number): Promise<void>;
  /** Resolves when no tick and no run is in flight (tests, shutdown). */
  idle(): Promise<void>;
  readonly nextRunAt: Date | null;
  readonly nextRunType: PlannedSyncType | null;
  readonly current: Job | null;
  readonly lastJob: Job | null;
}

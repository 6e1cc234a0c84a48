/**
 * Prometheus metrics of the runner, in prom-client's text format, on a
 * private registry (never the global one, so tests and several apps in one
 * process do not collide). Callers record through small `record*` functions;
 * label values are closed sets, so cardinality stays bounded.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { SyncHistoryDoc } from "./store/collections.ts";

/** The record functions and the registry they write to. */
export interface Metrics {
  registry: Registry;
  /** One finished sync run: counts by type/status, its duration and outcomes, the last success. */
  recordSyncRun(history: SyncHistoryDoc): void;
  /** Seeds the last-success gauge at start from the stored history. */
  recordLastSuccess(type: SyncHistoryDoc["type"], completedAt: Date): void;
  /** One processed webhook event by its `webhookEvents.status`. */
  recordWebhookEvent(status: string): void;
  /** One HTTP request to the SSO (signature of the SCIM client's `onRequest`). */
  recordScimRequest(info: { path: string; status: number | "error"; retry: boolean }): void;
  /** Whether this runner holds the sync lease. */
  recordLeaseHeld(held: boolean): void;
  /** A renewal found the lease taken by another runner (lease flapping). */
  recordLeaseLost(): void;
  /** The configured intervals, so alert rules compare against them, not a copied number. */
  recordSchedule(schedule: { intervalMs: number; deltaIntervalMs: number }): void;
  /** Scheduled runs failed in a row, as the scheduler reads the shared history. */
  recordConsecutiveFailures(n: number): void;
  /** Whether the schedule is quarantined (scheduler/quarantine.ts). */
  recordQuarantine(state: { active: boolean }): void;
  /** A webhook request refused before any work (`busy`: the in-flight gate's 503). */
  recordIngestRejected(reason: "busy"): void;
  /** Where the held-deactivations gauge reads its count at each scrape. */
  watchHeldDeactivations(count: () => Promise<number>): void;
  /** The exposition text and its content type. */
  render(): Promise<{ body: string; contentType: string }>;
}

const SHORT = {
  scim_full_sync: "full",
  scim_delta_sync: "delta",
  scim_user_sync: "user",
  scim_group_sync: "group",
} as const;
const RESOURCES = new Set([
  "Users",
  "Groups",
  "ServiceProviderConfig",
  "token",
  "Schemas",
  "ResourceTypes",
]);

/** `/Users/abc` → `Users`: one label value per resource, never per id. */
function resourceOf(path: string): string {
  const first = path.split("?")[0]!.split("/").find((seg) => seg.length > 0) ?? "";
  return RESOURCES.has(first) ? first : "other";
}

/** Every instrument of /metrics, registered on `registry` (names are the alert rules' contract). */
function instruments(registry: Registry) {
  const registers = [registry];
  return { ...syncInstruments(registers), ...operationInstruments(registers) };
}

/** What sync runs did: counts, durations, outcomes, the last success. */
function syncInstruments(registers: Registry[]) {
  return {
    runs: new Counter({
      name: "scim_sync_runs_total",
      help: "Sync runs by type and final status",
      labelNames: ["type", "status"] as const,
      registers,
    }),
    duration: new Histogram({
      name: "scim_sync_duration_seconds",
      help: "Duration of sync runs",
      labelNames: ["type"] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
    users: new Counter({
      name: "scim_sync_users_total",
      help: "Users written by syncs, by outcome",
      labelNames: ["outcome"] as const,
      registers,
    }),
    orgUnits: new Counter({
      name: "scim_sync_org_units_total",
      help: "Organisational units written by syncs, by outcome",
      labelNames: ["outcome"] as const,
      registers,
    }),
    lastSuccess: new Gauge({
      name: "scim_sync_last_success_timestamp_seconds",
      help: "Unix time the last successful sync completed",
      labelNames: ["type"] as const,
      registers,
    }),
    errors: new Counter({
      name: "scim_sync_resource_errors_total",
      help: "Resources a sync could not apply (stats.errors)",
      registers,
    }),
    interval: new Gauge({
      name: "scim_sync_interval_seconds",
      help: "Configured schedule: SYNC_INTERVAL (full) and SYNC_DELTA_INTERVAL (delta)",
      labelNames: ["type"] as const,
      registers,
    }),
    failures: new Gauge({
      name: "scim_sync_consecutive_failures",
      help: "Scheduled runs failed in a row since the last success (from the shared syncHistory)",
      registers,
    }),
    quarantined: new Gauge({
      name: "scim_sync_quarantined",
      help: "1 while full syncs run only every SYNC_QUARANTINE_INTERVAL after repeated failures",
      registers,
    }),
  };
}

/** The webhook path, the SSO client, the lease and the process. */
function operationInstruments(registers: Registry[]) {
  return {
    webhooks: new Counter({
      name: "scim_webhook_events_total",
      help: "Webhook events by status",
      labelNames: ["status"] as const,
      registers,
    }),
    rejected: new Counter({
      name: "scim_ingest_rejected_total",
      help: "Webhook requests refused before any work, by reason (busy: 503, INGEST_MAX_IN_FLIGHT)",
      labelNames: ["reason"] as const,
      registers,
    }),
    held: new Gauge({
      name: "scim_held_deactivations",
      help: "Webhook deactivations held by the guard, waiting for an operator",
      registers,
    }),
    requests: new Counter({
      name: "scim_requests_total",
      help: "HTTP requests to the SSO",
      labelNames: ["resource", "status"] as const,
      registers,
    }),
    retries: new Counter({
      name: "scim_request_retries_total",
      help: "Retried HTTP requests to the SSO",
      labelNames: ["resource"] as const,
      registers,
    }),
    lease: new Gauge({
      name: "scim_lease_held",
      help: "1 while this runner holds the sync lease",
      registers,
    }),
    leaseLost: new Counter({
      name: "scim_lease_lost_total",
      help: "Times a renewal found the sync lease taken by another runner",
      registers,
    }),
    started: new Gauge({
      name: "scim_runner_start_time_seconds",
      help: "Unix time this runner process created its metrics",
      registers,
    }),
  };
}

type Instruments = ReturnType<typeof instruments>;

/** Label sets the alert rules watch start at 0, so their first increase is seen. */
function seedZeroes(m: Instruments): void {
  for (const type of ["full", "delta"]) {
    for (const status of ["success", "partial", "failed", "aborted", "interrupted"]) {
      m.runs.inc({ type, status }, 0);
    }
  }
  for (const status of ["success", "failed", "duplicate", "stale", "held", "conflict"]) {
    m.webhooks.inc({ status }, 0);
  }
  m.rejected.inc({ reason: "busy" }, 0);
  m.leaseLost.inc(0);
  m.lease.set(0);
  m.failures.set(0);
  m.quarantined.set(0);
  m.held.set(0);
  m.started.set(Date.now() / 1000);
}

/** One finished run into the run, duration, outcome and last-success instruments. */
function recordRun(m: Instruments, h: SyncHistoryDoc): void {
  // A dry run is a preview, never a run: it must not count, fire the guard alert or time runs.
  if (h.dryRun) return;
  const type = SHORT[h.type] ?? "other";
  m.runs.inc({ type, status: h.status });
  const ms = h.durationMs ??
    (h.completedAt ? h.completedAt.getTime() - h.startedAt.getTime() : null);
  if (ms !== null && ms >= 0) m.duration.observe({ type }, ms / 1000);
  const s = h.stats;
  m.users.inc({ outcome: "created" }, s.usersCreated);
  m.users.inc({ outcome: "updated" }, s.usersUpdated);
  m.users.inc({ outcome: "unchanged" }, s.usersUnchanged ?? 0);
  m.users.inc({ outcome: "deactivated" }, s.usersDeactivated);
  m.orgUnits.inc({ outcome: "created" }, s.orgUnitsCreated);
  m.orgUnits.inc({ outcome: "updated" }, s.orgUnitsUpdated);
  m.orgUnits.inc({ outcome: "unchanged" }, s.orgUnitsUnchanged ?? 0);
  m.orgUnits.inc({ outcome: "deactivated" }, s.orgUnitsDeactivated ?? 0);
  m.errors.inc(s.errors.length);
  if (h.status === "success" && h.completedAt) {
    m.lastSuccess.set({ type }, h.completedAt.getTime() / 1000);
  }
}

/**
 * Creates the metrics on a fresh registry.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * metrics.recordLeaseHeld(true);
 * const { body } = await metrics.render(); // "# HELP scim_lease_held ..."
 * ```
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const m = instruments(registry);
  seedZeroes(m);
  let heldCount: (() => Promise<number>) | null = null;

  return {
    registry,
    recordSyncRun: (h) => recordRun(m, h),
    recordLastSuccess(type, completedAt) {
      m.lastSuccess.set({ type: SHORT[type] ?? "other" }, completedAt.getTime() / 1000);
    },
    recordWebhookEvent(status) {
      m.webhooks.inc({ status });
    },
    recordScimRequest(info) {
      const resource = resourceOf(info.path);
      m.requests.inc({ resource, status: String(info.status) });
      if (info.retry) m.retries.inc({ resource });
    },
    recordLeaseHeld(held) {
      m.lease.set(held ? 1 : 0);
    },
    recordLeaseLost() {
      m.leaseLost.inc();
    },
    recordSchedule({ intervalMs, deltaIntervalMs }) {
      m.interval.set({ type: "full" }, intervalMs / 1000);
      m.interval.set({ type: "delta" }, deltaIntervalMs / 1000);
    },
    recordConsecutiveFailures(n) {
      m.failures.set(n);
    },
    recordQuarantine(state) {
      m.quarantined.set(state.active ? 1 : 0);
    },
    recordIngestRejected(reason) {
      m.rejected.inc({ reason });
    },
    watchHeldDeactivations(count) {
      heldCount = count;
    },
    async render() {
      // Read at scrape time: held events leave the count when an operator applies them.
      // A failed read keeps the last value: a store outage shows on /health, not as "none held".
      if (heldCount) await heldCount().then((n) => m.held.set(n), () => {});
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}

/**
 * The process-wide metrics the runner serves on `/metrics`; the SCIM client,
 * the engine and the ingestion API record here.
 *
 * @example
 * ```ts
 * import { metrics } from "./metrics.ts";
 * createScimClient({ ...options, onRequest: metrics.recordScimRequest });
 * ```
 */
export const metrics: Metrics = createMetrics();

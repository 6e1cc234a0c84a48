/**
 * The instruments of the runner's /metrics (prom-client), registered on a
 * registry the caller owns (metrics.ts), and the zeroes they start at. Their
 * names and labels are the alert rules' contract
 * (deploy/prometheus/scim-sync.rules.yml, checked against a live scrape by
 * tests/runner/e2e/alert-rules.test.ts).
 *
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * Every instrument of /metrics, registered on `registry` (names are the alert rules' contract).
 *
 * @example
 * ```ts
 * const m = instruments(new Registry());
 * m.runs.inc({ type: "full", status: "success" });
 * ```
 */
export function instruments(registry: Registry) {
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
      help:
        "Unix time the last successful sync completed (a listing not proven complete is no success)",
      labelNames: ["type"] as const,
      registers,
    }),
    errors: new Counter({
      name: "scim_sync_resource_errors_total",
      help: "Resources a sync could not apply (stats.errors)",
      registers,
    }),
    ...outcomeInstruments(registers),
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

/** What the alert rules on incomplete listings, partial runs and resource errors read. */
function outcomeInstruments(registers: Registry[]) {
  return {
    lastListing: new Gauge({
      name: "scim_sync_last_full_listing_timestamp_seconds",
      help:
        'Unix time the last full sync ended whose listing was proven complete (complete="true") ' +
        'or not (complete="false"); 0: none since this runner started',
      labelNames: ["complete"] as const,
      registers,
    }),
    completed: new Counter({
      name: "scim_sync_completed_runs_total",
      help:
        "Runs that went to the end (success or partial), by type and whether resources failed " +
        '(resource_errors="some") or not ("none")',
      labelNames: ["type", "resource_errors"] as const,
      registers,
    }),
    lastErrors: new Gauge({
      name: "scim_sync_last_run_resource_errors",
      help: "Resources the last run of each type to go to the end could not apply",
      labelNames: ["type"] as const,
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
      help:
        "Deactivations held by the gate (syncs and webhooks), waiting for an operator's decision",
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

/** The instruments by name, as the record functions use them. */
export type Instruments = ReturnType<typeof instruments>;

/**
 * Label sets the alert rules watch start at 0, so their first increase is seen.
 *
 * @example
 * ```ts
 * const m = instruments(registry);
 * seedZeroes(m); // scim_sync_runs_total{type="full",status="partial"} 0, …
 * ```
 */
export function seedZeroes(m: Instruments): void {
  for (const type of ["full", "delta"]) {
    for (const status of ["success", "partial", "failed", "aborted", "interrupted"]) {
      m.runs.inc({ type, status }, 0);
    }
    for (const resource_errors of ["some", "none"]) m.completed.inc({ type, resource_errors }, 0);
    m.lastErrors.set({ type }, 0);
  }
  m.lastListing.set({ complete: "true" }, 0);
  m.lastListing.set({ complete: "false" }, 0);
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

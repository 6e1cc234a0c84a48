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
  /** The exposition text and its content type. */
  render(): Promise<{ body: string; contentType: string }>;
}

const SHORT = { scim_full_sync: "full", scim_delta_sync: "delta" } as const;
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
  const runs = new Counter({
    name: "scim_sync_runs_total",
    help: "Sync runs by type and final status",
    labelNames: ["type", "status"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "scim_sync_duration_seconds",
    help: "Duration of sync runs",
    labelNames: ["type"] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers,
  });
  const users = new Counter({
    name: "scim_sync_users_total",
    help: "Users written by syncs, by outcome",
    labelNames: ["outcome"] as const,
    registers,
  });
  const orgUnits = new Counter({
    name: "scim_sync_org_units_total",
    help: "Organisational units written by syncs, by outcome",
    labelNames: ["outcome"] as const,
    registers,
  });
  const lastSuccess = new Gauge({
    name: "scim_sync_last_success_timestamp_seconds",
    help: "Unix time the last successful sync completed",
    labelNames: ["type"] as const,
    registers,
  });
  const errors = new Counter({
    name: "scim_sync_resource_errors_total",
    help: "Resources a sync could not apply (stats.errors)",
    registers,
  });
  const webhooks = new Counter({
    name: "scim_webhook_events_total",
    help: "Webhook events by status",
    labelNames: ["status"] as const,
    registers,
  });
  const requests = new Counter({
    name: "scim_requests_total",
    help: "HTTP requests to the SSO",
    labelNames: ["resource", "status"] as const,
    registers,
  });
  const retries = new Counter({
    name: "scim_request_retries_total",
    help: "Retried HTTP requests to the SSO",
    labelNames: ["resource"] as const,
    registers,
  });
  const lease = new Gauge({
    name: "scim_lease_held",
    help: "1 while this runner holds the sync lease",
    registers,
  });
  return {
    runs,
    duration,
    users,
    orgUnits,
    lastSuccess,
    errors,
    webhooks,
    requests,
    retries,
    lease,
  };
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
  const {
    runs,
    duration,
    users,
    orgUnits,
    lastSuccess,
    errors,
    webhooks,
    requests,
    retries,
    lease,
  } = instruments(registry);
  lease.set(0);

  return {
    registry,
    recordSyncRun(h) {
      const type = SHORT[h.type] ?? "other";
      runs.inc({ type, status: h.status });
      const ms = h.durationMs ??
        (h.completedAt ? h.completedAt.getTime() - h.startedAt.getTime() : null);
      if (ms !== null && ms >= 0) duration.observe({ type }, ms / 1000);
      if (h.dryRun) return;
      const s = h.stats;
      users.inc({ outcome: "created" }, s.usersCreated);
      users.inc({ outcome: "updated" }, s.usersUpdated);
      users.inc({ outcome: "unchanged" }, s.usersUnchanged ?? 0);
      users.inc({ outcome: "deactivated" }, s.usersDeactivated);
      orgUnits.inc({ outcome: "created" }, s.orgUnitsCreated);
      orgUnits.inc({ outcome: "updated" }, s.orgUnitsUpdated);
      orgUnits.inc({ outcome: "unchanged" }, s.orgUnitsUnchanged ?? 0);
      orgUnits.inc({ outcome: "deactivated" }, s.orgUnitsDeactivated ?? 0);
      errors.inc(s.errors.length);
      if (h.status === "success" && h.completedAt) {
        lastSuccess.set({ type }, h.completedAt.getTime() / 1000);
      }
    },
    recordLastSuccess(type, completedAt) {
      lastSuccess.set({ type: SHORT[type] ?? "other" }, completedAt.getTime() / 1000);
    },
    recordWebhookEvent(status) {
      webhooks.inc({ status });
    },
    recordScimRequest(info) {
      const resource = resourceOf(info.path);
      requests.inc({ resource, status: String(info.status) });
      if (info.retry) retries.inc({ resource });
    },
    recordLeaseHeld(held) {
      lease.set(held ? 1 : 0);
    },
    async render() {
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

/**
 * Prometheus metrics of the runner, in prom-client's text format, on a
 * private registry (never the global one, so tests and several apps in one
 * process do not collide). Callers record through small `record*` functions;
 * label values are closed sets, so cardinality stays bounded.
 *
 * @module
 */
import { Registry } from "prom-client";
import { type Instruments, instruments, seedZeroes } from "./metric-instruments.ts";
import type { SyncHistoryDoc } from "./store/collections.ts";

/** The record functions and the registry they write to. */
export interface Metrics {
  registry: Registry;
  /** One finished sync run: counts by type/status, its duration and outcomes, the last success. */
  recordSyncRun(history: SyncHistoryDoc): void;
  /** Seeds the last-success gauge at start from the stored history. */
  recordLastSuccess(type: SyncHistoryDoc["type"], completedAt: Date): void;
  /** Seeds the last full listing's gauge at start from the stored history. */
  recordLastFullListing(complete: boolean, completedAt: Date): void;
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
  const errors = resourceErrorCount(s.errors);
  m.errors.inc(errors);
  recordOutcome(m, h, type, errors);
}

/** Completeness, resource errors of a run that went to the end, and the last success. */
function recordOutcome(m: Instruments, h: SyncHistoryDoc, type: string, errors: number): void {
  const at = h.completedAt ? h.completedAt.getTime() / 1000 : null;
  if (type === "full" && h.complete !== undefined && at !== null) {
    m.lastListing.set({ complete: String(h.complete) }, at);
  }
  // `partial` (completed with write errors) is the lead's status; a string compare keeps this
  // module independent of when the status type gains it.
  if (h.status === "success" || (h.status as string) === "partial") {
    m.completed.inc({ type, resource_errors: errors > 0 ? "some" : "none" });
    m.lastErrors.set({ type }, errors);
  }
  // A listing not proven complete deactivated nobody by absence: no success for the overdue rule.
  if (h.status === "success" && h.complete !== false && at !== null) {
    m.lastSuccess.set({ type }, at);
  }
}

/** The resources a run could not apply: the listed errors and those counted past the cap. */
function resourceErrorCount(errors: SyncHistoryDoc["stats"]["errors"]): number {
  let n = 0;
  for (const e of errors) {
    n += e.code === "TOO_MANY_ERRORS" ? Number(/^(\d+)/.exec(e.message)?.[1] ?? 1) : 1;
  }
  return n;
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
    recordLastFullListing(complete, completedAt) {
      m.lastListing.set({ complete: String(complete) }, completedAt.getTime() / 1000);
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

/**
 * `/health`: what is wrong, from what is recorded and two live checks.
 *
 * 503 `unhealthy` — act now, this replica cannot do its job or the data is
 * stale: MongoDB does not answer; no successful sync within 2 × SYNC_INTERVAL
 * (counted from start before the first one). A failing SSO, wrong
 * credentials or a quarantine end up here too once they last that long.
 *
 * 200 `degraded` — someone should look, but restarting this replica would
 * change nothing: the SSO does not answer (or refuses the credentials); the
 * last full sync failed, was aborted by the guard, was interrupted, completed
 * with write errors (`partial`) or could not prove its listing complete;
 * deactivations are held for an operator's decision; the schedule is quarantined.
 *
 * 200 `ok` — none of these. Every problem is one line in `problems`.
 *
 * @module
 */
import { z } from "zod";
import { countsForSchedule } from "./scheduler/schedule.ts";
import type { QuarantineState } from "./scheduler/quarantine.ts";
import type { SyncHistoryDoc } from "./store/collections.ts";

/** Dependencies of {@linkcode createHealthCheck}. */
export interface HealthDeps {
  pingMongo(): Promise<boolean>;
  /** SSO reachability; the error text when it is not. */
  checkSso(): Promise<{ ok: true } | { ok: false; error: string }>;
  /** The newest `syncHistory` records, any order (from the probe's own connection). */
  recentRuns(limit: number): Promise<SyncHistoryDoc[]>;
  /** Webhook deletions the guard holds for an operator. */
  heldCount(): Promise<number>;
  /** The scheduler's quarantine as last read; null before the first reading. */
  quarantine(): QuarantineState | null;
  now: () => Date;
  intervalMs: number;
  /** When this process started; before any success, the age counts from here. */
  startedAt: Date;
  /** Each check's deadline. @default 3000 */
  timeoutMs?: number;
  /** How long an SSO answer is reused, so probes do not hammer the SSO. @default 30000 */
  ssoCacheMs?: number;
}

const RunJson = z.object({
  status: z.string(),
  type: z.string(),
  startedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  ageSeconds: z.number().int().nonnegative(),
  complete: z.boolean().optional(),
  error: z.string().nullable(),
});

/** The `/health` body (its schema is the OpenAPI document's, http/openapi.ts). */
export const HealthReport = z.object({
  status: z.enum(["ok", "degraded", "unhealthy"]),
  mongo: z.object({ ok: z.boolean() }),
  sso: z.object({ ok: z.boolean(), error: z.string().optional() }),
  /** The last finished scheduled run of either type. */
  lastSync: RunJson.nullable(),
  /** The last finished full sync of the whole directory. */
  lastFullSync: RunJson.nullable(),
  lastSuccessAgeSeconds: z.number().int().nonnegative().nullable(),
  heldDeletions: z.number().int().nonnegative().nullable(),
  quarantine: z.object({
    active: z.boolean(),
    failures: z.number().int().nonnegative(),
    since: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
  }).nullable(),
  problems: z.array(z.string()),
});
export type HealthReport = z.infer<typeof HealthReport>;

const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> => {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => (handle = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([p.catch(() => fallback), timeout]).finally(() => clearTimeout(handle));
};

/**
 * A run that keeps the data fresh: a success or a partial run (completed, some writes
 * refused: it moves the schedule like a success), but not an incomplete full sync
 * (its leavers are still active).
 */
const goodRun = (r: SyncHistoryDoc) =>
  (r.status === "success" || r.status === "partial") &&
  !(r.type === "scim_full_sync" && r.complete === false);

/** What the recorded runs say: the last run, the last full sync, the last good one. */
function readRuns(runs: readonly SyncHistoryDoc[]) {
  const done = runs
    .filter((r) => r.status !== "running" && countsForSchedule(r))
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  return {
    last: done[0] ?? null,
    lastFull: done.find((r) => r.type === "scim_full_sync") ?? null,
    lastGood: done.find(goodRun) ?? null,
  };
}

/** The degraded-level problems of the last full sync, if any. */
function fullSyncProblem(full: SyncHistoryDoc | null): string | null {
  if (!full) return null;
  const why = full.error?.message ? `: ${full.error.message}` : "";
  switch (full.status) {
    case "failed":
      return `The last full sync failed${why}`;
    case "aborted":
      return `The last full sync was aborted by the deactivation guard${why}`;
    case "interrupted":
      return "The last full sync was interrupted (the runner was stopped)";
    case "partial":
      return `The last full sync completed with ${full.stats.errors.length} write error(s)`;
  }
  if (full.complete === false) {
    return `The last full sync could not prove the SSO's listing complete` +
      (full.incompleteReason ? `: ${full.incompleteReason}` : "") +
      " (nobody was deactivated by absence)";
  }
  return null;
}

/**
 * Creates the health check.
 *
 * @example
 * ```ts
 * const health = createHealthCheck({ pingMongo, checkSso, recentRuns, heldCount, quarantine: () => null,
 *   now: () => new Date(), intervalMs: 6 * 3_600_000, startedAt: new Date() });
 * const { code, report } = await health(); // 200, { status: "ok", ... }
 * ```
 */
export function createHealthCheck(
  deps: HealthDeps,
): () => Promise<{ code: 200 | 503; report: HealthReport }> {
  const timeoutMs = deps.timeoutMs ?? 3_000;
  const sso = cachedSso(deps, timeoutMs);
  return async () => {
    const [mongoOk, ssoState] = await Promise.all([
      withTimeout(deps.pingMongo(), timeoutMs, false),
      sso(),
    ]);
    const [runs, held] = mongoOk
      ? await Promise.all([
        withTimeout(deps.recentRuns(50), timeoutMs, [] as SyncHistoryDoc[]),
        withTimeout(deps.heldCount(), timeoutMs, null as number | null),
      ])
      : [[] as SyncHistoryDoc[], null];
    const now = deps.now().getTime();
    const { last, lastFull, lastGood } = readRuns(runs);
    const q = deps.quarantine();
    const critical: string[] = [];
    const degraded: string[] = [];
    if (!mongoOk) critical.push("MongoDB is not answering");
    const goodAt = lastGood ? lastGood.completedAt ?? lastGood.startedAt : null;
    if (mongoOk && now - (goodAt ?? deps.startedAt).getTime() > 2 * deps.intervalMs) {
      critical.push(
        goodAt
          ? "No successful sync within two sync intervals (SYNC_INTERVAL)"
          : "No successful sync within two sync intervals of start (SYNC_INTERVAL)",
      );
    }
    if (!ssoState.ok) degraded.push(`The SSO is not answering: ${ssoState.error ?? "unknown"}`);
    const full = fullSyncProblem(lastFull);
    if (full) degraded.push(full);
    if (held !== null && held > 0) {
      degraded.push(`${held} deactivation(s) held by the gate wait for an operator's decision`);
    }
    if (q?.active) {
      degraded.push(
        `Quarantined after ${q.failures} failed full syncs: ${q.lastError ?? "unknown error"}`,
      );
    }
    const ageOf = (d: Date) => Math.max(0, Math.round((now - d.getTime()) / 1000));
    const report: HealthReport = {
      status: critical.length > 0 ? "unhealthy" : degraded.length > 0 ? "degraded" : "ok",
      mongo: { ok: mongoOk },
      sso: ssoState,
      lastSync: last ? runJson(last, ageOf) : null,
      lastFullSync: lastFull ? runJson(lastFull, ageOf) : null,
      lastSuccessAgeSeconds: goodAt ? ageOf(goodAt) : null,
      heldDeletions: held,
      quarantine: q ? { ...q, since: q.since?.toISOString() ?? null } : null,
      problems: [...critical, ...degraded],
    };
    return { code: critical.length > 0 ? 503 : 200, report };
  };
}

function runJson(r: SyncHistoryDoc, ageOf: (d: Date) => number): z.infer<typeof RunJson> {
  return {
    status: r.status,
    type: r.type,
    startedAt: r.startedAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
    ageSeconds: ageOf(r.completedAt ?? r.startedAt),
    ...(r.complete !== undefined ? { complete: r.complete } : {}),
    error: r.error?.message ?? null,
  };
}

/** The SSO check, its answer reused for `ssoCacheMs`. */
function cachedSso(deps: HealthDeps, timeoutMs: number): () => Promise<HealthReport["sso"]> {
  const ssoCacheMs = deps.ssoCacheMs ?? 30_000;
  let cache: { at: number; value: HealthReport["sso"] } | null = null;
  return async () => {
    const t = deps.now().getTime();
    if (cache && t - cache.at < ssoCacheMs) return cache.value;
    const res = await withTimeout(deps.checkSso(), timeoutMs, {
      ok: false as const,
      error: "timed out",
    });
    const value = res.ok ? { ok: true } : { ok: false, error: res.error };
    cache = { at: t, value };
    return value;
  };
}

/**
 * `/health`: MongoDB ping, SSO reachability, and the last sync's status and
 * age. Unhealthy (503) only for what this replica must fix or an operator must
 * see: MongoDB down, or no successful sync for three intervals. An SSO outage
 * alone stays 200 — restarting the runner would not help, and the page shows it.
 *
 * @module
 */
import { z } from "zod";
import type { SyncHistoryDoc } from "./store/collections.ts";

/** Dependencies of {@linkcode createHealthCheck}. */
export interface HealthDeps {
  pingMongo(): Promise<boolean>;
  /** SSO reachability; the error text when it is not. */
  checkSso(): Promise<{ ok: true } | { ok: false; error: string }>;
  lastRun(): Promise<SyncHistoryDoc | null>;
  lastSuccess(): Promise<SyncHistoryDoc | null>;
  now: () => Date;
  intervalMs: number;
  /** When this process started; before any success, the age counts from here. */
  startedAt: Date;
  /** Each check's deadline. @default 3000 */
  timeoutMs?: number;
  /** How long an SSO answer is reused, so probes do not hammer the SSO. @default 30000 */
  ssoCacheMs?: number;
}

/** The `/health` body (its schema is the OpenAPI document's, http/openapi.ts). */
export const HealthReport = z.object({
  status: z.enum(["ok", "unhealthy"]),
  mongo: z.object({ ok: z.boolean() }),
  sso: z.object({ ok: z.boolean(), error: z.string().optional() }),
  lastSync: z.object({
    status: z.string(),
    type: z.string(),
    startedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
    ageSeconds: z.number().int().nonnegative(),
  }).nullable(),
  lastSuccessAgeSeconds: z.number().int().nonnegative().nullable(),
  problems: z.array(z.string()),
});
export type HealthReport = z.infer<typeof HealthReport>;

const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> => {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => (handle = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([p.catch(() => fallback), timeout]).finally(() => clearTimeout(handle));
};

/**
 * Creates the health check.
 *
 * @example
 * ```ts
 * const health = createHealthCheck({ pingMongo, checkSso, lastRun, lastSuccess, now: () => new Date(),
 *   intervalMs: 6 * 3_600_000, startedAt: new Date() });
 * const { code, report } = await health(); // 200, { status: "ok", ... }
 * ```
 */
export function createHealthCheck(
  deps: HealthDeps,
): () => Promise<{ code: 200 | 503; report: HealthReport }> {
  const timeoutMs = deps.timeoutMs ?? 3_000;
  const ssoCacheMs = deps.ssoCacheMs ?? 30_000;
  let ssoCache: { at: number; value: HealthReport["sso"] } | null = null;

  async function sso(): Promise<HealthReport["sso"]> {
    const t = deps.now().getTime();
    if (ssoCache && t - ssoCache.at < ssoCacheMs) return ssoCache.value;
    const res = await withTimeout(deps.checkSso(), timeoutMs, {
      ok: false as const,
      error: "timed out",
    });
    const value = res.ok ? { ok: true } : { ok: false, error: res.error };
    ssoCache = { at: t, value };
    return value;
  }

  return async () => {
    const [mongoOk, ssoState] = await Promise.all([
      withTimeout(deps.pingMongo(), timeoutMs, false),
      sso(),
    ]);
    const [last, success] = mongoOk
      ? await Promise.all([
        withTimeout(deps.lastRun(), timeoutMs, null),
        withTimeout(deps.lastSuccess(), timeoutMs, null),
      ])
      : [null, null];
    const now = deps.now().getTime();
    const ageOf = (d: Date) => Math.max(0, Math.round((now - d.getTime()) / 1000));
    const problems: string[] = [];
    if (!mongoOk) problems.push("MongoDB is not answering");
    const successAt = success ? success.completedAt ?? success.startedAt : null;
    const reference = successAt ?? deps.startedAt;
    if (mongoOk && now - reference.getTime() > 3 * deps.intervalMs) {
      problems.push(
        successAt
          ? "The last successful sync is older than three sync intervals"
          : "No successful sync within three sync intervals of start",
      );
    }
    const report: HealthReport = {
      status: problems.length === 0 ? "ok" : "unhealthy",
      mongo: { ok: mongoOk },
      sso: ssoState,
      lastSync: last
        ? {
          status: last.status,
          type: last.type,
          startedAt: last.startedAt.toISOString(),
          completedAt: last.completedAt?.toISOString() ?? null,
          ageSeconds: ageOf(last.completedAt ?? last.startedAt),
        }
        : null,
      lastSuccessAgeSeconds: successAt ? ageOf(successAt) : null,
      problems,
    };
    return { code: problems.length === 0 ? 200 : 503, report };
  };
}

/**
 * The sync routes behind admin auth: the page, its form POST, the JSON
 * trigger (`POST /api/v1/scim/sync`) and the status JSON the page's script
 * polls. Query strings and form bodies are parsed with zod.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Logger } from "../../shared/logger.ts";
import type { Job, Scheduler, TriggerRefusal } from "../scheduler/types.ts";
import { sameOrigin } from "./auth.ts";
import { PAGE_CSP } from "./page-assets.ts";
import { type Flash, loadSyncPage, type PageSources } from "./page-data.ts";
import {
  type HeldApplied,
  RunType,
  type SyncJobJson,
  type SyncStatusAnswer,
  type TriggerAccepted,
  TriggerRefusalReason,
  type TriggerRefused,
} from "./sync-answers.ts";
import { SyncPage } from "./status-page.tsx";
import { num, type TimeFormat, UTC_FORMAT } from "./page-format.tsx";
import type { SyncPreview } from "../preview/sync-preview.ts";
import type { HeldReport } from "../held/decisions.ts";
import { previewRoutes } from "./preview-routes.tsx";
import { QuarantineNotice } from "./quarantine-notice.tsx";

/** Dependencies of {@linkcode createSyncRoutes}. */
export interface SyncRoutesDeps {
  scheduler:
    & Pick<Scheduler, "trigger" | "current" | "lastJob" | "nextRunAt" | "nextRunType">
    & Partial<Pick<Scheduler, "retryNow" | "quarantine">>;
  /** SYNC_QUARANTINE_INTERVAL, for the quarantine notice. @default 86400000 */
  quarantineIntervalMs?: number;
  page: Omit<PageSources, "scheduler" | "now">;
  now: () => Date;
  logger: Logger;
  /**
   * Approves every held deactivation (held/decisions.ts, `{ all: true }`): the route kept for
   * scripts written before `POST /api/v1/scim/held/apply`; absent, 404.
   */
  applyHeld?: () => Promise<HeldReport>;
  /**
   * A full sync's dry run as a plan (compose.ts `preview`); absent: no Preview button. Given
   * the request's signal, so a preview nobody waits for any more is cancelled.
   */
  preview?: (signal?: AbortSignal) => Promise<SyncPreview>;
  /** The zone the page prints times in (PAGE_TIME_ZONE). @default UTC */
  zone?: TimeFormat;
}

const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Refusal = TriggerRefusalReason;
/** The page's query: the banner to show (the form POST redirects here). */
export const PageQuery = z.object({
  run: RunId.optional(),
  refused: Refusal.optional(),
  // Digits only: z.coerce.number() read an empty `?applied=` as 0 (found by schemathesis).
  applied: z.string().regex(/^\d{1,7}$/).transform(Number).pipe(z.int().max(1_000_000))
    .optional(),
});
/** `POST /api/v1/scim/sync?type=`. */
export const TriggerQuery = z.object({ type: RunType.default("full") });
/** The page's form POST. */
export const TriggerForm = z.object({ type: RunType.default("full") });
/** `GET /api/v1/scim/sync/status?runId=`. */
export const StatusQuery = z.object({ runId: RunId.optional() });

const REFUSALS: Record<TriggerRefusal | "error", string> = {
  running: "A sync is already running on this runner.",
  busy: "This runner is starting a sync right now.",
  leased: "A sync is already running on another runner (it holds the sync lease).",
  stopping: "This runner is shutting down.",
  error: "The sync could not be started; see the runner's log.",
};

/** JSON view of a job for the status endpoint and the 202. */
function jobJson(job: Job): SyncJobJson {
  return {
    runId: job.runId,
    historyId: job.historyId,
    type: job.type,
    trigger: job.trigger,
    status: job.status,
    startedAt: job.startedAt.toISOString(),
    progress: job.progress,
    error: job.error ?? job.history?.error?.message ?? null,
    stats: job.history?.stats ?? null,
  };
}

function outcomeFlash(job: Job): Flash {
  if (job.status === "running") {
    return { kind: "info", title: "Sync running.", text: "Progress is shown below." };
  }
  const s = job.history?.stats;
  const counts = s
    ? `Users: ${num(s.usersCreated)} created, ${num(s.usersUpdated)} updated, ` +
      `${num(s.usersUnchanged)} unchanged, ${num(s.usersDeactivated)} deactivated` +
      (s.usersLinked ? `, ${num(s.usersLinked)} linked` : "") +
      (s.usersRelinked ? `, ${num(s.usersRelinked)} relinked` : "") + " · Org units: " +
      `${num(s.orgUnitsCreated)} created, ${num(s.orgUnitsUpdated)} updated, ` +
      `${num(s.orgUnitsUnchanged)} unchanged · Errors: ${num(s.errors.length)}`
    : "";
  if (job.status === "success") {
    return { kind: "success", title: "SCIM synchronization complete!", text: counts };
  }
  if (job.status !== "failed" && job.status !== "aborted" && job.status !== "interrupted") {
    // A status this version does not know (a newer runner's, e.g. "partial"): said as it is.
    return { kind: "info", mark: "warn", title: `Sync ended: ${job.status}.`, text: counts };
  }
  const why = job.error ?? job.history?.error?.message ?? "see the history below";
  const title = job.status === "aborted"
    ? "Sync aborted."
    : job.status === "interrupted"
    ? "Sync interrupted."
    : "Sync failed.";
  return { kind: "error", mark: job.status === "failed" ? "bad" : "warn", title, text: why };
}

/**
 * Creates the sync routes (mount them behind {@linkcode adminAuth}).
 *
 * @example
 * ```ts
 * app.route("/", createSyncRoutes({ scheduler, page, now: () => new Date(), logger }));
 * ```
 */
export function createSyncRoutes(deps: SyncRoutesDeps): Hono {
  const app = new Hono();
  pageRoutes(app, deps);
  triggerRoute(app, deps);
  heldRoute(app, deps);
  previewRoutes(app, deps);
  statusRoute(app, deps);
  retryRoutes(app, deps);
  return app;
}

/** The quarantine notice of the page, from the scheduler's last reading. */
const notice = (deps: SyncRoutesDeps) => (
  <QuarantineNotice
    q={deps.scheduler.quarantine ?? null}
    intervalMs={deps.quarantineIntervalMs ?? 86_400_000}
  />
);

/**
 * "Retry now": ends the quarantine and starts a full sync — `POST /api/v1/scim/sync/retry`
 * (202 as the trigger, 409 when a sync runs) and the page's form `POST /modules/sync/retry`.
 */
function retryRoutes(app: Hono, deps: SyncRoutesDeps): void {
  const retry = async () => {
    const res = deps.scheduler.retryNow
      ? await deps.scheduler.retryNow()
      : await deps.scheduler.trigger("full");
    if (res.ok) {
      deps.logger.warn("🔁 Retry now requested from the HTTP API", { runId: res.job.runId });
    }
    return res;
  };
  app.post("/api/v1/scim/sync/retry", sameOrigin(), async (c) => {
    const res = await retry();
    if (res.ok) {
      c.header("Location", `/api/v1/scim/sync/status?runId=${res.job.runId}`);
      const accepted: TriggerAccepted = {
        runId: res.job.runId,
        historyId: res.job.historyId,
        type: res.job.type,
        status: "running",
      };
      return c.json(accepted, 202);
    }
    const refused: TriggerRefused = { error: REFUSALS[res.reason], reason: res.reason };
    return c.json(refused, res.reason === "stopping" ? 503 : 409);
  });
  app.post("/modules/sync/retry", sameOrigin(), async (c) => {
    const res = await retry();
    return c.redirect(
      res.ok ? `/modules/sync?run=${res.job.runId}` : `/modules/sync?refused=${res.reason}`,
      303,
    );
  });
}

/** Starts a run through the scheduler and logs who asked. */
async function startRun(deps: SyncRoutesDeps, type: "full" | "delta") {
  const res = await deps.scheduler.trigger(type);
  if (res.ok) {
    deps.logger.info("🔄 Sync requested from the HTTP API", {
      runId: res.job.runId,
      type: res.job.type,
    });
  }
  return res;
}

/** The banner of the page: a refusal, applied held deletes, or the outcome of `?run=`. */
function flashFor(deps: SyncRoutesDeps, q: z.infer<typeof PageQuery>): Flash | null {
  if (q.refused) return { kind: "error", title: "Sync not started.", text: REFUSALS[q.refused] };
  if (q.applied !== undefined) {
    return {
      kind: "success",
      title: "Held deactivations applied.",
      text: `${q.applied} deactivated.`,
    };
  }
  if (!q.run) return null;
  const job = [deps.scheduler.current, deps.scheduler.lastJob].find((j) => j?.runId === q.run);
  return job ? outcomeFlash(job) : {
    kind: "info",
    title: "Run not on this runner.",
    text: "Its outcome is in the history below.",
  };
}

/** The page and its form POST (a redirect back, so a reload never starts a second run). */
function pageRoutes(app: Hono, deps: SyncRoutesDeps): void {
  const sources = (): PageSources => ({ ...deps.page, scheduler: deps.scheduler, now: deps.now });
  app.get("/modules/sync", async (c) => {
    const q = PageQuery.safeParse(c.req.query());
    // The page only links to itself with valid values: anything else is a forged or broken URL.
    if (!q.success) return c.json({ error: "Query is not one the sync page sets" }, 400);
    const data = await loadSyncPage(sources(), flashFor(deps, q.data));
    c.header("Cache-Control", "no-store");
    c.header("Content-Security-Policy", PAGE_CSP);
    return c.html(
      <SyncPage
        data={data}
        canPreview={deps.preview !== undefined}
        zone={deps.zone ?? UTC_FORMAT}
        notice={notice(deps)}
      />,
    );
  });

  app.post("/modules/sync", sameOrigin(), async (c) => {
    const body = TriggerForm.safeParse(await c.req.parseBody().catch(() => ({})));
    if (!body.success) return c.json({ error: "type must be full or delta" }, 400);
    const res = await startRun(deps, body.data.type);
    return c.redirect(
      res.ok ? `/modules/sync?run=${res.job.runId}` : `/modules/sync?refused=${res.reason}`,
      303,
    );
  });
}

/** `POST /api/v1/scim/sync`: 202 with the scheduler's runId (and the historyId once recorded), or 409/503. */
function triggerRoute(app: Hono, deps: SyncRoutesDeps): void {
  app.post("/api/v1/scim/sync", sameOrigin(), async (c) => {
    const q = TriggerQuery.safeParse(c.req.query());
    if (!q.success) return c.json({ error: "type must be full or delta" }, 400);
    const res = await startRun(deps, q.data.type);
    if (res.ok) {
      c.header("Location", `/api/v1/scim/sync/status?runId=${res.job.runId}`);
      const accepted: TriggerAccepted = {
        runId: res.job.runId,
        historyId: res.job.historyId,
        type: res.job.type,
        status: "running",
      };
      return c.json(accepted, 202);
    }
    const refused: TriggerRefused = { error: REFUSALS[res.reason], reason: res.reason };
    return c.json(refused, res.reason === "stopping" ? 503 : 409);
  });
}

/** Behind ADMIN_TOKEN (app.ts guards /api/v1/scim/sync/*) and same-origin: an operator's approval. */
function heldRoute(app: Hono, deps: SyncRoutesDeps): void {
  app.post("/api/v1/scim/sync/held", sameOrigin(), async (c) => {
    if (!deps.applyHeld) {
      return c.json({ error: "Held deactivations are not kept on this runner" }, 404);
    }
    const r = await deps.applyHeld();
    if (/form/.test(c.req.header("content-type") ?? "")) {
      return c.redirect(`/modules/sync?applied=${r.deactivated}`, 303);
    }
    const answer: HeldApplied = {
      applied: r.results.length,
      deactivated: r.deactivated,
      results: r.results.map((x) => ({
        id: x.id,
        resourceType: x.resourceType,
        resourceId: x.resourceId,
        status: x.outcome,
        change: x.outcome === "deactivated" ? "deactivated" : null,
      })),
    };
    return c.json(answer);
  });
}

/** The status JSON the page's script polls: one job by runId, or the current/last one. */
function statusRoute(app: Hono, deps: SyncRoutesDeps): void {
  app.get("/api/v1/scim/sync/status", async (c) => {
    const q = StatusQuery.safeParse(c.req.query());
    if (!q.success) return c.json({ error: "runId is not a run id" }, 400);
    const { current, lastJob } = deps.scheduler;
    const job = q.data.runId
      ? [current, lastJob].find((j) => j?.runId === q.data.runId) ?? null
      : current ?? lastJob;
    const holder = await deps.page.leaseHolder().catch(() => null);
    c.header("Cache-Control", "no-store");
    const answer: SyncStatusAnswer = {
      job: job ? jobJson(job) : null,
      running: current !== null || holder !== null,
      leaseHolder: holder,
      nextRunAt: deps.scheduler.nextRunAt?.toISOString() ?? null,
      nextRunType: deps.scheduler.nextRunType,
    };
    return c.json(answer);
  });
}

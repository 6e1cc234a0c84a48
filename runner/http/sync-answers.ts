/**
 * The JSON the sync routes answer with, as zod schemas: the handlers' answers
 * are typed by them, and the OpenAPI document (openapi.ts) is generated from them.
 *
 * @module
 */
import { z } from "zod";

/** The scheduler's run types. */
export const RunType = z.enum(["full", "delta"]);

/** Why a trigger did not start a run (`error`: the scheduler failed to). */
export const TriggerRefusalReason = z.enum(["running", "busy", "leased", "stopping", "error"]);

/** Progress of a running sync, as the engine reports it (sync/run-context.ts `SyncProgress`). */
export const SyncProgressJson = z.object({
  phase: z.enum(["connecting", "orgUnits", "users", "writing", "done"]),
  fetched: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  pageNo: z.number().int().nonnegative(),
});

const count = z.number().int().nonnegative();

/** A run's counters (documents/sync-history.ts `SyncStats`). */
export const SyncStatsJson = z.object({
  usersCreated: count,
  usersUpdated: count,
  usersDeactivated: count,
  orgUnitsCreated: count,
  orgUnitsUpdated: count,
  errors: z.array(z.object({
    resourceType: z.enum(["User", "Group"]),
    resourceId: z.string().nullable(),
    code: z.string(),
    message: z.string(),
  })),
  usersUnchanged: count,
  orgUnitsUnchanged: count,
  orgUnitsDeactivated: count,
  usersFetched: count,
  orgUnitsFetched: count,
  // Matching's counters (documents/sync-history.ts): absent on runs recorded before them.
  usersLinked: count.optional(),
  usersRelinked: count.optional(),
  usersParked: count.optional(),
});

/** One job of this runner's scheduler, as the status route shows it. */
export const SyncJobJson = z.object({
  runId: z.string(),
  historyId: z.string().nullable(),
  type: RunType,
  trigger: z.enum(["start", "schedule", "manual"]),
  status: z.enum(["running", "success", "partial", "failed", "aborted", "interrupted"]),
  startedAt: z.iso.datetime(),
  progress: SyncProgressJson.nullable(),
  error: z.string().nullable(),
  stats: SyncStatsJson.nullable(),
});
export type SyncJobJson = z.infer<typeof SyncJobJson>;

/** `GET /api/v1/scim/sync/status`. */
export const SyncStatusAnswer = z.object({
  /** The job asked for by runId, else the current or last one; null when this runner has none. */
  job: SyncJobJson.nullable(),
  /** A run is going on here or on another replica (the lease is held). */
  running: z.boolean(),
  leaseHolder: z.string().nullable(),
  nextRunAt: z.iso.datetime().nullable(),
  nextRunType: RunType.nullable(),
});
export type SyncStatusAnswer = z.infer<typeof SyncStatusAnswer>;

/** 202 of `POST /api/v1/scim/sync`. */
export const TriggerAccepted = z.object({
  runId: z.string(),
  historyId: z.string().nullable(),
  type: RunType,
  status: z.literal("running"),
});
export type TriggerAccepted = z.infer<typeof TriggerAccepted>;

/** 409 or 503 of `POST /api/v1/scim/sync`. */
export const TriggerRefused = z.object({ error: z.string(), reason: TriggerRefusalReason });
export type TriggerRefused = z.infer<typeof TriggerRefused>;

/** 200 of `POST /api/v1/scim/sync/held` (JSON callers). */
export const HeldApplied = z.object({
  /** Held items decided. */
  applied: count,
  deactivated: count,
  results: z.array(z.object({
    /** The held item (`User:<id>`, held-answers.ts). */
    id: z.string(),
    resourceType: z.string(),
    resourceId: z.string(),
    /** What approving it did: deactivated, present, unknown, failed. */
    status: z.string(),
    change: z.string().nullable(),
  })),
});
export type HeldApplied = z.infer<typeof HeldApplied>;

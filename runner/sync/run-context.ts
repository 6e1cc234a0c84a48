/**
 * What one sync run is asked to do, what it is given, and the state its
 * steps share (record-step.ts, passes.ts, deactivations.ts): the record
 * being filled, the dry-run plan, the signal every request listens to.
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { MatchOn } from "../documents/match-key.ts";
import type { DeactivationGate } from "../gate/gate.ts";
import type { GuardFigures } from "../gate/guard-aborted.ts";
import type { HeldReason } from "../documents/held-item.ts";
import type { DirectoryProbe, IdentityStore } from "../identity/ports.ts";
import type { ScimClient } from "../scim/scim-client.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { HeldPort } from "./held-step.ts";
import type { ChangeOrigin, HistoryWriter, SyncSource, SyncStorePort } from "./ports.ts";

export interface SyncProgress {
  phase: "connecting" | "orgUnits" | "users" | "writing" | "done";
  fetched: number;
  total: number | null;
  pageNo: number;
}

export interface RunSyncOptions {
  type: "full" | "delta";
  /** A SCIM filter; a filtered run never deactivates by absence. */
  filter?: string;
  /** Delta runs: resources modified after this instant. */
  since?: Date;
  /** Fetch and diff, write nothing (no history either). */
  dryRun?: boolean;
  /** Pass the accidental-deletion guard. */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Called with the syncHistory id as soon as the run is recorded. */
  onStart?: (historyId: string) => void;
  /** The caller holds the sync lease: other `running` records are of dead runs and are closed as failed. */
  exclusive?: boolean;
}

export interface SyncDeps {
  client: ScimClient;
  store: SyncStorePort;
  history: HistoryWriter;
  logger: Logger;
  pageSize: number;
  /** The one gate every deactivation passes (gate/gate.ts): SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW. */
  gate: DeactivationGate;
  /** Matching and unique values (identity/). */
  identity: IdentityStore;
  /** Live lookups of one SSO id, when the run's listing cannot tell (deltas, filters). */
  directory: DirectoryProbe;
  /**
   * Held deactivations (sync/held-step.ts): who is left to an operator, and where a refused
   * plan is held. Absent: nobody is held (a refused run only aborts).
   */
  held?: HeldPort;
  /** SYNC_MATCH_ON. */
  matchOn: MatchOn;
  /** SYNC_MAX_DURATION: a run still going after this long fails. @default 30 minutes */
  maxDurationMs?: number;
  /** How long the run may take to end once aborted before it is given up. @default 5 s */
  abortGraceMs?: number;
  userHashFields: readonly string[];
  runnerId?: string;
  now?: () => Date;
  /** Called once per finished run (metrics). */
  onFinished?: (history: SyncHistoryRecord) => void;
  /** Called after each page (memory-relief.ts). */
  afterPage?: () => void;
}

export type { GuardFigures } from "../gate/guard-aborted.ts";

/** What a dry run would have done. */
export interface DryRunPlan {
  /**
   * `link`: existing OFM accounts that would get this SSO id; `match`: creates an account
   * the sync owns matches (relinked when its SSO id left the directory, else a conflict).
   */
  users: {
    create: string[];
    update: string[];
    deactivate: string[];
    link: string[];
    match: string[];
  };
  orgUnits: { create: string[]; update: string[]; deactivate: string[] };
  /** The guard's verdict; absent when the run ended before it (a failed listing). */
  guard?: { windowMs: number; users: GuardFigures; orgUnits: GuardFigures };
  /**
   * Dry runs only: the directory's values of what would be created or updated (deactivating
   * updates included), by id — the preview's old → new per field.
   */
  docs?: { users: Map<string, OfmUser>; orgUnits: Map<string, OfmOrgUnit> };
  /** Why each in `deactivate` would be deactivated, by `User:<id>` / `Group:<id>`. */
  reasons?: Record<string, HeldReason>;
  /** Held or rejected earlier: left for an operator's decision, not deactivated by the run. */
  waiting?: { users: string[]; orgUnits: string[] };
}

/** The state one run's steps share. */
export interface RunContext {
  deps: SyncDeps;
  options: RunSyncOptions;
  now: () => Date;
  /** The record being filled; its `stats` are the run's counters. */
  record: SyncHistoryRecord;
  plan: DryRunPlan;
  /** Aborts on shutdown, a lost lease or SYNC_MAX_DURATION. */
  signal: AbortSignal;
  source: SyncSource;
  /** What the change records name as their source: the run's historyId, once recorded. */
  origin?: ChangeOrigin;
  /** The filter sent to the SSO: an operator's, or a delta's `meta.lastModified`. */
  filter: string | undefined;
  progress(p: SyncProgress): void;
}

/**
 * The filter a run sends: a delta's from `since`, else the operator's.
 *
 * @example
 * ```ts
 * runFilter({ type: "delta", since: new Date("2025-10-19T00:00:00Z") }); // 'meta.lastModified gt "2025-10-19T00:00:00.000Z"'
 * ```
 */
export function runFilter(
  options: Pick<RunSyncOptions, "type" | "since" | "filter">,
): string | undefined {
  return options.type === "delta" && options.since
    ? `meta.lastModified gt "${options.since.toISOString()}"`
    : options.filter;
}

/**
 * An empty dry-run plan.
 *
 * @example
 * ```ts
 * emptyPlan().users.create; // []
 * ```
 */
export function emptyPlan(): DryRunPlan {
  return {
    users: { create: [], update: [], deactivate: [], link: [], match: [] },
    orgUnits: { create: [], update: [], deactivate: [] },
  };
}

/**
 * One purge of the long departed: list the users the sync owns that were
 * deactivated before the cutoff (never OFM's own accounts), hold their number
 * against PURGE_MAX, prove the directory (directory-proof.ts), ask the SSO
 * about each candidate live (`GET /Users/{id}`), and — only with `apply` and a
 * reservation from the one gate — hard-delete those the SSO confirms gone (a
 * 404 with a SCIM error body), recording a `syncHistory` entry
 * (`type: "purge"`) and one `syncChanges` entry (`action: "deleted"`) per user
 * deleted. Without `apply` nothing is written. Any 404 without a SCIM error
 * body refuses the whole run: it proves nothing.
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import type { DeactivationLimit } from "../config.ts";
import type { DeactivationGate } from "../gate/gate.ts";
import { GuardAbortedError, guardFiguresOf } from "../gate/guard-aborted.ts";
import { DirectoryUnprovenError, proveDirectory } from "./directory-proof.ts";
import { giveUpAfterAbort, RunUnresponsiveError } from "../sync/run-deadline.ts";
import type { ChangeRecord } from "../documents/change-record.ts";
import type { PurgeCandidate, PurgeRecord, PurgeStats } from "../store/purge-store.ts";
import {
  type DirectoryVerdict,
  directoryVerdict,
  purgeGuard,
  PurgeRefusedError,
} from "./purge-rules.ts";

/** What {@linkcode runPurge} needs; the store's objects satisfy it. */
export interface PurgeDeps {
  store: {
    candidates(cutoff: Date): Promise<PurgeCandidate[]>;
    countUsers(): Promise<number>;
    deleteDeparted(ids: readonly string[], cutoff: Date): Promise<string[]>;
    startRecord(record: PurgeRecord): Promise<{ toHexString(): string }>;
    finishRecord(id: { toHexString(): string }, patch: Partial<PurgeRecord>): Promise<void>;
    /** Up to `n` SSO ids of accounts the sync knows as active (the directory proof's sample). */
    sampleActive(n: number): Promise<string[]>;
  };
  changes: { record(records: readonly ChangeRecord[]): Promise<void> };
  /** The SCIM client (runner/scim/scim-client.ts). */
  scim: {
    get(path: string, query?: Record<string, string>): Promise<unknown>;
    serviceProviderConfig(): Promise<unknown>;
  };
  /** The one gate: deletions take a reservation like deactivations. */
  gate: DeactivationGate;
  /** PURGE_MAX_MISSING_SHARE. */
  maxMissingShare: number;
  limit: DeactivationLimit;
  logger: Logger;
  now: () => Date;
  runnerId?: string;
  /** How long a stopped purge waits for a MongoDB command before giving it up (run-deadline.ts). @default 5000 */
  abortGraceMs?: number;
}

/** What one purge is asked to do. */
export interface PurgeOptions {
  inactiveForMs: number;
  /** Delete; without it the purge only lists. */
  apply: boolean;
  /** Pass PURGE_MAX. */
  force: boolean;
  /** Requests to the SSO at once. @default 4 */
  concurrency?: number;
  /** Stops the work between requests and batches: the purge ends `interrupted` (a stop request). */
  signal?: AbortSignal;
  /** Told how far the checks with the SSO and the deletions are (the command line's progress). */
  onProgress?: (p: PurgeProgress) => void;
}

/** Where a purge stands: candidates checked with the SSO, then users deleted. */
export interface PurgeProgress {
  phase: "checking" | "deleting";
  done: number;
  total: number;
}

const INTERRUPTED = {
  code: "INTERRUPTED",
  message: "Purge interrupted: the command was asked to stop; nothing further was deleted.",
} as const;

/** A candidate with the SSO's answer. */
export interface CheckedCandidate extends PurgeCandidate {
  verdict: DirectoryVerdict;
}

/** What a purge did or would do. */
export interface PurgeReport {
  status: PurgeRecord["status"];
  applied: boolean;
  cutoff: Date;
  totalUsers: number;
  guard: { ok: boolean; allowed: number; forced: boolean };
  /** Confirmed departed: deleted with `apply`, else would be. */
  deletable: CheckedCandidate[];
  /** Active in the SSO, or unconfirmed: kept. */
  kept: CheckedCandidate[];
  deleted: string[];
  stats: PurgeStats;
  historyId: string | null;
  error: { code: string; message: string } | null;
}

/** Asks the SSO about each candidate, a few at a time; errors become "unknown". */
async function checkAll(
  deps: PurgeDeps,
  list: PurgeCandidate[],
  o: Pick<PurgeOptions, "concurrency" | "signal" | "onProgress">,
): Promise<CheckedCandidate[]> {
  const out: CheckedCandidate[] = new Array(list.length);
  let next = 0;
  let done = 0;
  o.onProgress?.({ phase: "checking", done, total: list.length });
  const worker = async () => {
    while (next < list.length) {
      // A stop request: the unchecked stay "unknown", so nobody unchecked can be deleted.
      if (o.signal?.aborted) {
        out[next] = { ...list[next]!, verdict: { kind: "unknown", reason: "not checked" } };
        next++;
        continue;
      }
      const i = next++;
      const c = list[i]!;
      const answer = await deps.scim.get(`/Users/${encodeURIComponent(c.ssoUserId)}`).then(
        (body) => ({ ok: true as const, body }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      out[i] = { ...c, verdict: directoryVerdict(c.ssoUserId, answer) };
      o.onProgress?.({ phase: "checking", done: ++done, total: list.length });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  return out;
}

// Only a 404 confirms: a user the SSO still lists, even inactive, would be created again
// by the next full sync, so deleting it would not stick.
const confirmed = (c: CheckedCandidate) => c.verdict.kind === "gone";

function statsOf(checked: CheckedCandidate[], deleted: string[]): PurgeStats {
  const unknown = checked.filter((c) => c.verdict.kind === "unknown");
  return {
    candidates: checked.length,
    usersDeleted: deleted.length,
    keptActive: checked.filter((c) => c.verdict.kind === "active").length,
    keptListed: checked.filter((c) => c.verdict.kind === "inactive").length,
    unconfirmed: unknown.length,
    errors: unknown.map((c) => ({
      resourceType: "User" as const,
      resourceId: c.ssoUserId,
      code: "PURGE_UNCONFIRMED",
      message: `${c.email}: kept, the SSO could not confirm the departure (${
        c.verdict.kind === "unknown" ? c.verdict.reason : ""
      })`,
    })),
  };
}

/**
 * Runs one purge. Throws only for MongoDB failures before anything was
 * deleted; a refusal by PURGE_MAX is a report with status `aborted`.
 *
 * @example
 * ```ts
 * const report = await runPurge(deps, { inactiveForMs: 90 * 86_400_000, apply: false, force: false });
 * report.deletable.length; // who would go
 * ```
 */
export async function runPurge(deps: PurgeDeps, o: PurgeOptions): Promise<PurgeReport> {
  const startedAt = deps.now();
  const cutoff = new Date(startedAt.getTime() - o.inactiveForMs);
  const [candidates, totalUsers] = await Promise.all([
    deps.store.candidates(cutoff),
    deps.store.countUsers(),
  ]);
  const verdict = purgeGuard(candidates.length, totalUsers, deps.limit);
  const guard = { ...verdict, forced: o.force && !verdict.ok };
  const refused = !verdict.ok && !o.force;
  // A refused purge asks the SSO about nobody: the count alone says something is off.
  const unchecked = (reason: string) =>
    candidates.map((c) => ({ ...c, verdict: { kind: "unknown", reason } as const }));
  let error: PurgeReport["error"] = refused
    ? describe(new PurgeRefusedError(candidates.length, verdict.allowed))
    : null;
  let checked: CheckedCandidate[] = unchecked("not checked");
  if (!refused && candidates.length > 0) {
    try {
      await proveDirectory({
        scim: deps.scim,
        sampleActive: (n) => deps.store.sampleActive(n),
        maxMissingShare: deps.maxMissingShare,
      });
      checked = await checkAll(deps, candidates, o);
      const unproven = checked.find((c) => c.verdict.kind === "unproven");
      if (unproven) {
        throw new DirectoryUnprovenError(
          `the SSO answered about ${unproven.email} with ${reasonOf(unproven)}`,
        );
      }
    } catch (e) {
      if (!(e instanceof DirectoryUnprovenError)) throw e;
      error = describe(e);
      checked = unchecked("not checked: the directory was not proven");
    }
  }
  if (error === null && o.signal?.aborted) error = INTERRUPTED;
  const stopped = error !== null;
  const base = {
    applied: o.apply && !stopped,
    cutoff,
    totalUsers,
    guard,
    deletable: stopped ? [] : checked.filter(confirmed),
    kept: stopped ? [] : checked.filter((c) => !confirmed(c)),
  };
  if (!o.apply) {
    const stats = { ...statsOf(checked, []), candidates: candidates.length };
    return {
      ...base,
      status: error === INTERRUPTED ? "interrupted" : stopped ? "aborted" : "success",
      deleted: [],
      stats,
      historyId: null,
      error,
    };
  }
  return await applyPurge(deps, o, { ...base, startedAt, checked, error });
}

const describe = (e: { code: string; message: string }) => ({ code: e.code, message: e.message });
const reasonOf = (c: CheckedCandidate) => "reason" in c.verdict ? c.verdict.reason : c.verdict.kind;

/** The writing half: the record, the deletes in batches, the change log, the record's end. */
async function applyPurge(
  deps: PurgeDeps,
  o: PurgeOptions,
  p: Omit<PurgeReport, "status" | "deleted" | "stats" | "historyId" | "error"> & {
    startedAt: Date;
    checked: CheckedCandidate[];
    error: PurgeReport["error"];
  },
): Promise<PurgeReport> {
  const record: PurgeRecord = {
    type: "purge",
    startedAt: p.startedAt,
    completedAt: null,
    status: "running",
    cutoff: p.cutoff,
    inactiveForMs: o.inactiveForMs,
    forced: p.guard.forced,
    stats: statsOf(p.checked, []),
    ...(deps.runnerId ? { runner: deps.runnerId } : {}),
  };
  const id = await deps.store.startRecord(record);
  const historyId = id.toHexString();
  const deleted: string[] = [];
  let status: PurgeRecord["status"] = p.error === INTERRUPTED
    ? "interrupted"
    : p.error
    ? "aborted"
    : "success";
  let error = p.error;
  // Deletions pass the one gate like deactivations; --force passes it, recorded as forced.
  const ticket = p.error || p.deletable.length === 0 ? null : await deps.gate.reserve({
    kind: "users",
    n: p.deletable.length,
    by: `purge:${historyId}`,
    forced: o.force,
  });
  if (ticket && !ticket.granted) {
    status = "aborted";
    error = describe(
      new GuardAbortedError(
        "users (hard deletes)",
        guardFiguresOf(p.deletable.length, ticket.figures),
        ticket.figures.windowMs,
        "run again with --force",
      ),
    );
  }
  try {
    const work = ticket?.granted ? deleteInBatches(deps, o, p, historyId, deleted) : null;
    // A MongoDB command that never answers must not hold the purge (and the lease) past its abort.
    if (work && (await giveUpAfterAbort(work, o.signal ?? NEVER, deps.abortGraceMs))) {
      [status, error] = ["interrupted", INTERRUPTED];
    }
  } catch (e) {
    [status, error] = e instanceof RunUnresponsiveError
      ? ["interrupted", describe(e)]
      : ["failed", { code: "STORE_FAILED", message: e instanceof Error ? e.message : String(e) }];
  } finally {
    if (ticket?.granted) await ticket.settle(deleted.length);
  }
  const completedAt = deps.now();
  const stats = statsOf(p.checked, deleted);
  await deps.store.finishRecord(id, {
    status,
    completedAt,
    durationMs: completedAt.getTime() - p.startedAt.getTime(),
    stats,
    error,
  });
  deps.logger.warn(`🗑️ Purge ${status}: ${deleted.length} departed user(s) hard-deleted`, {
    historyId,
  });
  const { startedAt: _s, checked: _c, ...shown } = p;
  return { ...shown, status, deleted, stats, historyId, error };
}

const NEVER = new AbortController().signal;

/**
 * Deletes the confirmed departures 500 at a time, each batch's change records after it;
 * appends what MongoDB acknowledged to `deleted`. True when stopped between batches.
 */
async function deleteInBatches(
  deps: PurgeDeps,
  o: PurgeOptions,
  p: { deletable: readonly CheckedCandidate[]; cutoff: Date },
  historyId: string,
  deleted: string[],
): Promise<boolean> {
  for (let i = 0; i < p.deletable.length; i += 500) {
    if (o.signal?.aborted) return true;
    o.onProgress?.({ phase: "deleting", done: i, total: p.deletable.length });
    const batch = p.deletable.slice(i, i + 500);
    const gone = await deps.store.deleteDeparted(batch.map((c) => c.ssoUserId), p.cutoff);
    deleted.push(...gone);
    await deps.changes.record(changeRecords(batch, new Set(gone), historyId, deps.now()));
  }
  return false;
}

/** One `deleted` change per user actually deleted; its email as the subject, no values. */
function changeRecords(
  batch: readonly CheckedCandidate[],
  gone: ReadonlySet<string>,
  historyId: string,
  at: Date,
): ChangeRecord[] {
  return batch.filter((c) => gone.has(c.ssoUserId)).map((c) => ({
    resourceType: "User",
    resourceId: c.ssoUserId,
    subject: c.email,
    action: "deleted",
    fields: [],
    values: {},
    source: { kind: "purge", historyId },
    at,
  }));
}

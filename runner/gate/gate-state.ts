/**
 * The state of the one deactivation gate and the decisions over it, pure.
 *
 * Every path that deactivates or deletes (full and delta syncs, webhook events,
 * on-demand syncs, held items applied, purge) asks the gate for a reservation
 * before it writes. The gate keeps, per kind (users, org units), what was
 * written inside the rolling window (`entries`, settled from what MongoDB
 * acknowledged) and what is reserved but not yet settled (`pending`). A
 * request passes when what is counted plus what is pending plus the request
 * stays within SYNC_MAX_DEACTIVATE of the baseline:
 *
 *   baseline = active now + counted in the window
 *
 * (every person deactivated inside the window was active when it began, so
 * for a shrinking directory this is the active count at the window's start).
 * That sum is exact only while nothing is pending: a reservation written but
 * not yet settled has left "active" without reaching "counted". So the state
 * keeps the baseline it last computed with nothing pending, and while
 * reservations are in flight the baseline is never taken lower than that —
 * many callers at once get exactly what one caller at a time would. Forced work (`--force`, an operator's
 * approval) always passes and is recorded, but not counted: a person approved it.
 *
 * gate.ts persists a new state per decision with a compare-and-swap; this
 * module only says what the next state is.
 *
 * @module
 */
import type { DeactivationLimit } from "../config.ts";

/** The two gates: one per kind of resource, as SYNC_MAX_DEACTIVATE holds per kind. */
export type GateKind = "users" | "orgUnits";

/** Deactivations written (acknowledged by MongoDB) inside the window. */
export interface GateEntry {
  /** When the last write merged into this entry happened (conservative for pruning). */
  at: Date;
  n: number;
  /** Passed the gate explicitly (`--force`, an operator's approval): recorded, not counted. */
  forced: boolean;
  /** Who wrote it: a run, an event, an operator (for the page and the audit). */
  by: string;
}

/** A reservation not settled yet. */
export interface GatePending {
  id: string;
  n: number;
  at: Date;
  forced: boolean;
  by: string;
}

/** One gate's state as stored (gate-store.ts); `seq` orders the states of one kind. */
export interface GateState {
  seq: number;
  entries: GateEntry[];
  pending: GatePending[];
  /** The baseline last computed (exactly, with nothing pending); absent before the first. */
  baseline?: number;
}

/** The figures a decision rests on, for messages, previews and the page. */
export interface GateFigures {
  /** Written in the window, not forced. */
  counted: number;
  /** Reserved and not settled, not forced. */
  pending: number;
  /** Active now + counted: what a percentage limit is a share of. */
  baseline: number;
  /** What SYNC_MAX_DEACTIVATE allows in the window. */
  allowed: number;
  /** allowed − counted − pending, never negative. */
  remaining: number;
  windowMs: number;
}

/** A request for `n` deactivations or deletions. */
export interface GateRequest {
  n: number;
  /** An id for the reservation (unique per request). */
  id: string;
  by: string;
  forced: boolean;
}

/** The settings of one gate. */
export interface GatePolicy {
  limit: DeactivationLimit;
  windowMs: number;
  /**
   * A reservation older than this was never settled (its writer died): it is then counted as
   * written in full. @default 3_600_000
   */
  pendingTtlMs?: number;
}

/** Entries kept at most; older ones merge (later time kept, so pruning stays conservative). */
export const MAX_ENTRIES = 2000;
/** Writes of one actor within this long merge into one entry. */
const MERGE_MS = 60_000;

/** An empty state (no state stored yet). */
export const EMPTY_GATE: GateState = { seq: 0, entries: [], pending: [] };

/**
 * How many deactivations the limit allows for a baseline. A percentage is of
 * the baseline and never less than 1, so a small directory can still lose one person.
 *
 * @example
 * ```ts
 * allowedFor({ kind: "percent", value: 20 }, 1000); // 200
 * allowedFor({ kind: "count", value: 5 }, 1000); // 5
 * ```
 */
export function allowedFor(limit: DeactivationLimit, baseline: number): number {
  if (limit.kind === "count") return limit.value;
  return Math.max(1, Math.floor((Math.max(0, baseline) * limit.value) / 100));
}

/**
 * The state without what left the window; stale reservations become written entries.
 *
 * @example
 * ```ts
 * prune(state, new Date(), { limit, windowMs: 86_400_000 }).entries.length;
 * ```
 */
export function prune(state: GateState, now: Date, policy: GatePolicy): GateState {
  const from = now.getTime() - policy.windowMs;
  const staleBefore = now.getTime() - (policy.pendingTtlMs ?? 3_600_000);
  const stale = state.pending.filter((p) => p.at.getTime() < staleBefore);
  const entries = [...state.entries, ...stale.map((p) => ({ ...p, id: undefined }))]
    .map(({ at, n, forced, by }) => ({ at, n, forced, by }))
    .filter((e) => e.at.getTime() > from)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  return {
    seq: state.seq,
    entries: capEntries(entries),
    pending: state.pending.filter((p) => p.at.getTime() >= staleBefore),
    ...(state.baseline === undefined ? {} : { baseline: state.baseline }),
  };
}

/** Merges the oldest entries until at most MAX_ENTRIES remain. */
function capEntries(entries: GateEntry[]): GateEntry[] {
  while (entries.length > MAX_ENTRIES) {
    const [a, b] = entries as [GateEntry, GateEntry];
    entries.splice(0, 2, {
      at: b.at,
      n: a.n + b.n,
      forced: a.forced && b.forced,
      by: a.by === b.by ? a.by : "merged",
    });
  }
  return entries;
}

/**
 * The figures of a (pruned) state for the active count now.
 *
 * @example
 * ```ts
 * gateFigures(pruned, 240, { limit: { kind: "percent", value: 20 }, windowMs: 86_400_000 });
 * // { counted: 45, pending: 0, baseline: 285, allowed: 57, remaining: 12, windowMs: 86400000 }
 * ```
 */
export function gateFigures(state: GateState, activeNow: number, policy: GatePolicy): GateFigures {
  const counted = sum(state.entries.filter((e) => !e.forced));
  const pending = sum(state.pending.filter((p) => !p.forced));
  const observed = Math.max(0, activeNow) + counted;
  // With reservations in flight, some may be written but not settled: never lower than the
  // last exact baseline (growth — people joining — still shows).
  const baseline = state.pending.length === 0
    ? observed
    : Math.max(state.baseline ?? observed, observed);
  const allowed = allowedFor(policy.limit, baseline);
  return {
    counted,
    pending,
    baseline,
    allowed,
    remaining: Math.max(0, allowed - counted - pending),
    windowMs: policy.windowMs,
  };
}

const sum = (xs: readonly { n: number }[]) => xs.reduce((s, x) => s + x.n, 0);

/** What {@linkcode decide} answers. */
export type GateDecision =
  | { granted: true; next: GateState; figures: GateFigures }
  | { granted: false; figures: GateFigures };

/**
 * Decides one request against a pruned state (pure). Forced requests always pass.
 *
 * @throws {RangeError} when `n` is not a whole number ≥ 1
 * @example
 * ```ts
 * const d = decide(pruned, { n: 3, id: "r1", by: "sync:665f", forced: false }, 240, policy, now);
 * if (d.granted) await commit(d.next);
 * ```
 */
export function decide(
  state: GateState,
  req: GateRequest,
  activeNow: number,
  policy: GatePolicy,
  now: Date,
): GateDecision {
  if (!Number.isInteger(req.n) || req.n < 1) {
    throw new RangeError(`gate request: n must be a whole number ≥ 1, got ${req.n}`);
  }
  const figures = gateFigures(state, activeNow, policy);
  if (!req.forced && req.n > figures.remaining) return { granted: false, figures };
  const pending: GatePending = { id: req.id, n: req.n, at: now, forced: req.forced, by: req.by };
  return {
    granted: true,
    next: {
      seq: state.seq + 1,
      entries: state.entries,
      pending: [...state.pending, pending],
      baseline: figures.baseline,
    },
    figures,
  };
}

/**
 * Settles a reservation with what was written (≤ reserved): it leaves `pending`, and what
 * was written becomes an entry. Unknown ids (already settled, or pruned as stale and so
 * counted in full) change nothing: null.
 *
 * @example
 * ```ts
 * const next = settle(pruned, "r1", 2, now); // null when nothing to change
 * ```
 */
export function settle(
  state: GateState,
  id: string,
  written: number,
  now: Date,
): GateState | null {
  const p = state.pending.find((x) => x.id === id);
  if (!p) return null;
  // A count that is not a number proves nothing was withheld: count the whole reservation.
  const n = Number.isFinite(written) ? Math.max(0, Math.min(p.n, Math.floor(written))) : p.n;
  const entries = [...state.entries];
  const last = entries.at(-1);
  if (n > 0) {
    if (
      last && last.by === p.by && last.forced === p.forced &&
      now.getTime() - last.at.getTime() < MERGE_MS
    ) {
      entries[entries.length - 1] = { ...last, n: last.n + n, at: now };
    } else {
      entries.push({ at: now, n, forced: p.forced, by: p.by });
    }
  }
  return {
    seq: state.seq + 1,
    entries: capEntries(entries),
    pending: state.pending.filter((x) => x.id !== id),
    ...(state.baseline === undefined ? {} : { baseline: state.baseline }),
  };
}

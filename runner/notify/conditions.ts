/**
 * What an operator must be told, evaluated from what is recorded — the
 * `syncHistory` runs, the held webhook deletions, the quarantine — and
 * nothing else. Pure: each condition carries an `episode`, a stable id of its
 * onset (the run that started it), so a condition that persists over many
 * evaluations is one message, and a new onset after it cleared is a new one.
 *
 * @module
 */
import { countsForSchedule } from "../scheduler/schedule.ts";
import type { QuarantineState } from "../scheduler/quarantine.ts";

/** The conditions that are notified. */
export type ConditionKind =
  | "failing"
  | "quarantine"
  | "guard_abort"
  | "held"
  | "incomplete"
  | "partial"
  | "conflicts";

/** A condition in force. */
export interface Condition {
  kind: ConditionKind;
  /** A stable id of its onset: one message per episode. */
  episode: string;
  severity: "critical" | "warning";
  title: string;
  detail: string;
}

/** One run as the conditions read it (a `syncHistory` document). */
export interface RunFacts {
  id: string;
  type: string;
  status: string;
  startedAt: Date;
  completedAt: Date | null;
  filter?: string | null;
  dryRun?: boolean;
  complete?: boolean;
  incompleteReason?: string | null;
  error?: { code?: string; message: string } | null;
  errors: readonly { resourceType: string; resourceId: string | null; code: string }[];
}

/** Everything the conditions are evaluated from. */
export interface NotifyFacts {
  /** Recent runs, any order. */
  runs: readonly RunFacts[];
  /** Webhook deletions the guard holds, and the oldest one's event id. */
  held: { count: number; oldestId: string | null };
  quarantine: QuarantineState & { intervalMs: number };
}

/** Options of {@linkcode evaluateConditions}. */
export interface ConditionOptions {
  /** NOTIFY_FAILURES: scheduled runs failed in a row before "failing" is told. */
  failures: number;
}

const FAILED = new Set(["failed", "aborted"]);
const CONFLICT = /DUPLICATE|CONFLICT/i;
const hours = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`);

/** Finished scheduled runs (full and delta, unfiltered, not dry), newest first. */
function scheduled(runs: readonly RunFacts[]): RunFacts[] {
  return runs
    .filter((r) => r.status !== "running" && countsForSchedule(r))
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
}

/** The newest runs while `keep` holds (interrupted runs skipped): the current streak. */
function streak(runs: readonly RunFacts[], keep: (r: RunFacts) => boolean): RunFacts[] {
  const out: RunFacts[] = [];
  for (const r of runs) {
    if (r.status === "interrupted") continue;
    if (!keep(r)) break;
    out.push(r);
  }
  return out;
}

/** Runs failing in a row; the episode is the run that reached the threshold. */
function failing(runs: RunFacts[], o: ConditionOptions): Condition | null {
  const s = streak(runs, (r) => FAILED.has(r.status));
  if (o.failures <= 0 || s.length < o.failures) return null;
  return {
    kind: "failing",
    episode: s[s.length - o.failures]!.id,
    severity: "critical",
    title: `${s.length} scheduled syncs failed in a row`,
    detail: `The last one: ${s[0]!.error?.message ?? s[0]!.status}.`,
  };
}

/** The last full syncs aborted by the guard; the episode is the first abort of the streak. */
function guardAbort(fulls: RunFacts[]): Condition | null {
  const s = streak(fulls, (r) => r.status === "aborted");
  if (s.length === 0) return null;
  return {
    kind: "guard_abort",
    episode: s[s.length - 1]!.id,
    severity: "critical",
    title: "The deactivation guard aborted the full sync",
    detail: `${s[0]!.error?.message ?? "Too many deactivations."} Check the directory; ` +
      "an operator passes the guard with `npm run sync -- --force`.",
  };
}

/** Full syncs that could not prove their listing complete. */
function incomplete(fulls: RunFacts[]): Condition | null {
  const done = fulls.filter((r) => r.status === "success" || r.status === "partial");
  const s = streak(done, (r) => r.complete === false);
  if (s.length === 0) return null;
  return {
    kind: "incomplete",
    episode: s[s.length - 1]!.id,
    severity: "warning",
    title: "The SSO's listing was not proven complete",
    detail: `${s[0]!.incompleteReason ?? "The listing ended early."} Nobody was deactivated ` +
      `by absence (${s.length} full sync${s.length === 1 ? "" : "s"} in a row).`,
  };
}

/** Runs that completed with write errors. */
function partial(runs: RunFacts[]): Condition | null {
  const s = streak(runs, (r) => r.status === "partial");
  if (s.length === 0) return null;
  return {
    kind: "partial",
    episode: s[s.length - 1]!.id,
    severity: "warning",
    title: "A sync completed with write errors",
    detail: `${s[0]!.errors.length} resource(s) could not be written in the last run.`,
  };
}

const conflictKeys = (r: RunFacts) =>
  new Set(
    r.errors.filter((e) => CONFLICT.test(e.code)).map((e) => `${e.resourceType} ${e.resourceId}`),
  );

/** The same resources refused for a duplicate or conflict in consecutive runs. */
function conflicts(runs: RunFacts[]): Condition | null {
  const done = runs.filter((r) => r.status !== "interrupted");
  if (done.length < 2) return null;
  const persistent = [...conflictKeys(done[0]!)].filter((k) => conflictKeys(done[1]!).has(k));
  if (persistent.length === 0) return null;
  let first = 1;
  while (first + 1 < done.length && persistent.some((k) => conflictKeys(done[first + 1]!).has(k))) {
    first++;
  }
  return {
    kind: "conflicts",
    episode: done[first]!.id,
    severity: "warning",
    title: `${persistent.length} resource(s) keep failing with a write conflict`,
    detail: `In ${first + 1} runs in a row: ${persistent.slice(0, 5).join(", ")}${
      persistent.length > 5 ? ", …" : ""
    }. A unique index (usually email) is held by another account; the person inspector shows which.`,
  };
}

/**
 * The conditions in force.
 *
 * @example
 * ```ts
 * evaluateConditions({ runs, held: { count: 0, oldestId: null }, quarantine }, { failures: 3 });
 * // [{ kind: "failing", episode: "66b…", severity: "critical", title: "3 scheduled syncs failed in a row", … }]
 * ```
 */
export function evaluateConditions(facts: NotifyFacts, o: ConditionOptions): Condition[] {
  const runs = scheduled(facts.runs);
  const fulls = runs.filter((r) => r.type === "scim_full_sync");
  const q = facts.quarantine;
  const out = [
    failing(runs, o),
    guardAbort(fulls),
    incomplete(fulls),
    partial(runs),
    conflicts(runs),
  ];
  if (q.active && q.since) {
    out.push({
      kind: "quarantine",
      episode: q.since.toISOString(),
      severity: "critical",
      title: `Quarantined: ${q.failures} full syncs failed in a row`,
      detail: `Full syncs now run every ${hours(q.intervalMs)} until one succeeds or an operator ` +
        `presses "Retry now". The last error: ${q.lastError ?? "unknown"}.`,
    });
  }
  if (facts.held.count > 0) {
    out.push({
      kind: "held",
      episode: facts.held.oldestId ?? "held",
      severity: "warning",
      title: `${facts.held.count} deactivation(s) held by the gate`,
      detail: 'Nothing was deactivated. Approve or reject them on /modules/sync ("Held ' +
        'deactivations") or with `npm run sync -- --apply-held` / `--reject-held`.',
    });
  }
  return out.filter((c): c is Condition => c !== null);
}

/** What a person reads when a condition clears. */
export const CLEARED_TITLES: Readonly<Record<ConditionKind, string>> = {
  failing: "Recovered: a scheduled sync succeeded again",
  quarantine: "Quarantine left: back to the normal schedule",
  guard_abort: "Resolved: the last full sync was not aborted by the guard",
  held: "Resolved: no deactivations are held any more",
  incomplete: "Resolved: the SSO's listing was proven complete again",
  partial: "Resolved: the last sync completed without write errors",
  conflicts: "Resolved: the write conflicts no longer repeat",
};

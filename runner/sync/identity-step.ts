/**
 * The identity step of a run, between the listings and the deactivations:
 * the writes a unique index refused and the creates an account the sync owns
 * matches are resolved together (identity/resolver.ts). Whether an SSO id is
 * still in the directory comes from the run itself where it can (seen in the
 * listing; absent from a complete, unfiltered one), else from a live lookup.
 *
 * @module
 */
import type { OfmUser } from "../../shared/ofm-documents.ts";
import { contentHash } from "../content-hash.ts";
import type { Presence } from "../identity/ports.ts";
import { type Intent, resolveIdentities } from "../identity/resolver.ts";
import type { Passes } from "./passes.ts";
import type { RunContext } from "./run-context.ts";
import { addErrors } from "./sync-stats.ts";

/**
 * Resolves the run's pending identities; returns the SSO ids whose account was
 * relinked (never deactivated by absence in this run).
 *
 * @param absenceCounts the run is unfiltered and both listings are proven complete
 * @example
 * ```ts
 * const relinkedFrom = await resolveIdentityStep(run, passes, true);
 * ```
 */
export async function resolveIdentityStep(
  run: RunContext,
  passes: Pick<Passes, "users">,
  absenceCounts: boolean,
): Promise<Set<string>> {
  const { deps, record: { stats } } = run;
  const intents = passes.users.intents as Intent[];
  if (run.options.dryRun || intents.length === 0) return new Set();
  const seen = passes.users.seen;
  const presence = (key: string): Promise<Presence> =>
    seen.has(key)
      ? Promise.resolve({ kind: "present", user: null })
      : absenceCounts
      ? Promise.resolve({ kind: "gone" })
      : deps.directory.presence(key);
  const r = await resolveIdentities({
    identity: deps.identity,
    writer: deps.store,
    presence,
    hash: (u: OfmUser) => contentHash(u, deps.userHashFields),
    matchOn: deps.matchOn,
    source: run.source,
    ...(run.origin ? { origin: run.origin } : {}),
  }, intents);
  stats.usersCreated += r.created;
  stats.usersUpdated += r.updated;
  stats.usersLinked = (stats.usersLinked ?? 0) + r.linked;
  stats.usersRelinked = (stats.usersRelinked ?? 0) + r.relinked;
  stats.usersParked = (stats.usersParked ?? 0) + r.parked;
  addErrors(stats, r.errors);
  if (r.relinked + r.linked + r.parked > 0 || r.errors.length > 0) {
    // The run's totals: the pass has linked most accounts already, and "0 linked" here beside
    // the summary's "40 linked" sent an operator looking for a bug.
    const line = `🔗 Identities: ${stats.usersLinked} linked, ${stats.usersRelinked} relinked, ` +
      `${stats.usersParked} value(s) moved, ${r.errors.length} conflict(s)`;
    if (r.errors.length > 0) deps.logger.warn(line);
    else deps.logger.info(line);
  }
  return r.relinkedFrom;
}

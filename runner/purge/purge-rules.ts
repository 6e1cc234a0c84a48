/**
 * The decisions of `npm run purge` (the brief's FAQ: "To hard-delete, create a
 * cleanup script"), pure: how long a user must have been inactive, whether the
 * count passes PURGE_MAX, and what the directory's live answer about one
 * candidate means. A user is deleted only when the SSO confirms the departure
 * (404, or `active: false`); anything else keeps the user.
 *
 * @module
 */
import { isScimNotFound, ScimHttpError, ScimSyncError } from "../../shared/errors.ts";
import { parseDuration } from "../../shared/duration.ts";
import type { DeactivationLimit } from "../config.ts";

/** The shortest `--inactive-for` accepted: a purge is for the long departed, not last week's leavers. */
export const MIN_INACTIVE_MS = 86_400_000;

/**
 * The purge would delete more users than PURGE_MAX allows.
 *
 * @example
 * ```ts
 * throw new PurgeRefusedError(1500, 1000);
 * ```
 */
export class PurgeRefusedError extends ScimSyncError {
  constructor(readonly candidates: number, readonly allowed: number) {
    super(
      "PURGE_REFUSED",
      `Purge refused: it would hard-delete ${candidates} users, more than the ${allowed} that ` +
        `PURGE_MAX allows. Check the list (run without --apply); if it is right, add --force.`,
    );
  }
}

/**
 * Milliseconds of an `--inactive-for` value such as `90d`.
 *
 * @returns the duration, or null when it is not one or shorter than a day
 * @example
 * ```ts
 * parseInactiveFor("90d"); // 7776000000
 * parseInactiveFor("2h"); // null (under a day)
 * ```
 */
export function parseInactiveFor(text: string): number | null {
  const ms = parseDuration(text);
  return ms !== null && ms >= MIN_INACTIVE_MS ? ms : null;
}

/** The count guard's answer. */
export interface PurgeGuardVerdict {
  ok: boolean;
  /** How many PURGE_MAX allows (a count, or its share of all users). */
  allowed: number;
}

/**
 * Holds the number of candidates against PURGE_MAX (a count, or a share of all users).
 *
 * @example
 * ```ts
 * purgeGuard(1200, 5000, { kind: "count", value: 1000 }); // { ok: false, allowed: 1000 }
 * purgeGuard(40, 1000, { kind: "percent", value: 5 }); // { ok: true, allowed: 50 }
 * ```
 */
export function purgeGuard(
  candidates: number,
  totalUsers: number,
  limit: DeactivationLimit,
): PurgeGuardVerdict {
  const allowed = limit.kind === "count"
    ? limit.value
    : Math.floor((Math.max(0, totalUsers) * limit.value) / 100);
  return { ok: candidates <= allowed, allowed };
}

/**
 * What the directory said about one candidate. `unproven`: a 404 without a SCIM error
 * body (a proxy's or a wrong address's page) — it refuses the whole purge.
 */
export type DirectoryVerdict =
  | { kind: "gone" }
  | { kind: "inactive" }
  | { kind: "active" }
  | { kind: "unknown"; reason: string }
  | { kind: "unproven"; reason: string };

/**
 * Reads the SSO's live answer to `GET /Users/{id}`: only a 404 with a SCIM error body
 * (RFC 7644 §3.12) confirms the departure; `active: true` or `false`, a missing `active`,
 * another id or any error keeps the user (an unknown is never a yes), and a 404 without
 * a SCIM error body is `unproven`.
 *
 * @param answer the parsed body, or the error the request threw
 * @example
 * ```ts
 * directoryVerdict("u1", { ok: true, body: { id: "u1", active: false } }); // { kind: "inactive" }
 * directoryVerdict("u1", { ok: false, error: new ScimHttpError("GET /Users/u1", 404, "gone", { scimError: true }) }); // { kind: "gone" }
 * directoryVerdict("u1", { ok: false, error: new ScimHttpError("GET /Users/u1", 404) }); // { kind: "unproven", … }
 * ```
 */
export function directoryVerdict(
  id: string,
  answer: { ok: true; body: unknown } | { ok: false; error: unknown },
): DirectoryVerdict {
  if (!answer.ok) {
    const e = answer.error;
    if (isScimNotFound(e)) return { kind: "gone" };
    if (e instanceof ScimHttpError && e.status === 404) {
      return { kind: "unproven", reason: `${e.message} without a SCIM error body` };
    }
    return { kind: "unknown", reason: e instanceof Error ? e.message : String(e) };
  }
  const body = answer.body as { id?: unknown; active?: unknown } | null;
  if (typeof body !== "object" || body === null || body.id !== id) {
    return { kind: "unknown", reason: "the SSO answered with another resource" };
  }
  if (body.active === false) return { kind: "inactive" };
  if (body.active === true) return { kind: "active" };
  return { kind: "unknown", reason: "the SSO's record has no active flag" };
}

/**
 * How a write that can never apply as things stand is reported: it names the
 * account that holds the value (OFM's `_id`, its SSO id, email, active or
 * not) and says what would resolve it, in words that work wherever they are
 * read (the run's errors, `npm run sync`, the page, the inspector).
 *
 * @module
 */
import type { HolderInfo, OfmUser, ResourceError } from "../../shared/ofm-documents.ts";
import type { Account } from "./ports.ts";

/**
 * The holder as errors carry it.
 *
 * @example
 * ```ts
 * holderInfo(account, "email"); // { id: "65f0…", ssoUserId: "u5", email: "user5@…", isActive: false, field: "email" }
 * ```
 */
export function holderInfo(a: Account, field: string): HolderInfo {
  return { id: a.id.slice(2), ssoUserId: a.ssoUserId, email: a.email, isActive: a.isActive, field };
}

/**
 * The holder in words.
 *
 * @example
 * ```ts
 * describeHolder(info); // "the inactive account 65f0… (SSO id u5, user5@ias.co.id)"
 * ```
 */
export function describeHolder(h: HolderInfo): string {
  const state = h.isActive ? "active" : "inactive";
  if (h.ssoUserId === null) {
    return `OFM's own ${state} account ${h.id} (${h.email ?? "no email"}, no SSO id)`;
  }
  return `the ${state} account ${h.id} (SSO id ${h.ssoUserId}, ${h.email ?? "no email"})`;
}

/** Why the holder keeps its value. */
export type ConflictReason = "own-account" | "present" | "unconfirmed";

/**
 * The error entry of a write refused for good (this run), naming the holder.
 *
 * @example
 * ```ts
 * conflictError(doc, holder, "email", "present");
 * ```
 */
export function conflictError(
  doc: OfmUser,
  holder: Account,
  field: string,
  reason: ConflictReason,
  detail?: string,
): ResourceError {
  const info = holderInfo(holder, field);
  const value = String(holder.values[field] ?? "");
  const why = reason === "own-account"
    ? "an account OFM created itself; link or merge it in OFM (give it this SSO id, or change its value), then run a full sync"
    : reason === "present"
    ? "another person the directory still has with that value; correct the directory, then run a full sync"
    : `whose SSO id ${holder.ssoUserId} the directory could not confirm gone (${
      detail ?? "no answer"
    }); ` +
      "the next run tries again";
  return {
    resourceType: "User",
    resourceId: doc.ssoUserId,
    // Unconfirmed is temporary (the directory did not answer); the others need a person.
    code: reason === "unconfirmed" ? "HOLDER_UNCONFIRMED" : "CONFLICT",
    message:
      `${doc.email} (SSO id ${doc.ssoUserId}) was not written: ${field} ${value} is held by ` +
      `${describeHolder(info)} — ${why}`,
    holder: info,
  };
}

/**
 * What the directory says now about a held resource, asked live before an
 * approval writes anything: a user through the one directory probe
 * (identity/directory-probe.ts), an org unit by `GET /Groups/{id}`. "gone"
 * only for a 404 with a SCIM error body (the SCIM client's `getResource`
 * answers null then); anything unreadable is "unknown", and nothing is
 * deactivated on it.
 *
 * @module
 */
import { mapGroup } from "../../shared/mapping.ts";
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { DirectoryProbe } from "../identity/ports.ts";

/** The directory's answer about one held resource. */
export type HeldPresence =
  | { kind: "present"; active: boolean; user?: OfmUser; unit?: OfmOrgUnit }
  | { kind: "gone" }
  | { kind: "unknown"; reason: string };

/** Asks about one held resource. */
export type PresenceOf = (type: "User" | "Group", id: string) => Promise<HeldPresence>;

/**
 * The presence check over the directory probe and the SCIM client.
 *
 * @example
 * ```ts
 * const presence = heldPresence(directoryProbe(client), client);
 * await presence("User", "u5"); // { kind: "gone" }
 * ```
 */
export function heldPresence(
  directory: DirectoryProbe,
  client: { getResource(type: "Users" | "Groups", id: string): Promise<unknown | null> },
): PresenceOf {
  return async (type, id) => {
    if (type === "User") {
      const p = await directory.presence(id);
      if (p.kind !== "present") return p;
      if (!p.user) return { kind: "unknown", reason: "the SSO's record could not be read" };
      return { kind: "present", active: p.user.isActive, user: p.user };
    }
    let raw: unknown;
    try {
      raw = await client.getResource("Groups", id);
    } catch (e) {
      return { kind: "unknown", reason: e instanceof Error ? e.message : String(e) };
    }
    if (raw === null) return { kind: "gone" };
    const mapped = mapGroup(raw);
    if (!mapped.ok) return { kind: "unknown", reason: mapped.error.message };
    if (mapped.value._id !== id) {
      return {
        kind: "unknown",
        reason: `the SSO answered with another group (${mapped.value._id})`,
      };
    }
    return { kind: "present", active: mapped.value.isActive, unit: mapped.value };
  };
}

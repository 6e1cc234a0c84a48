/**
 * Whether an SSO id is still in the directory, asked live (`GET /Users/{id}`):
 * present (with the person's mapped state), gone — only for a 404 that
 * carries a SCIM error body — or unknown (anything else: an HTML page, a
 * timeout, another resource answering). Nothing irreversible may rest on
 * "unknown".
 *
 * @module
 */
import { mapUser } from "../../shared/mapping.ts";
import type { ScimClient } from "../scim/scim-client.ts";
import type { DirectoryProbe, Presence } from "./ports.ts";

/**
 * A probe over the SCIM client.
 *
 * @example
 * ```ts
 * const directory = directoryProbe(client);
 * await directory.presence("u5"); // { kind: "gone" }
 * ```
 */
export function directoryProbe(client: Pick<ScimClient, "getResource">): DirectoryProbe {
  return {
    async presence(ssoUserId: string): Promise<Presence> {
      let raw: unknown;
      try {
        raw = await client.getResource("Users", ssoUserId);
      } catch (e) {
        return { kind: "unknown", reason: e instanceof Error ? e.message : String(e) };
      }
      if (raw === null) return { kind: "gone" };
      const mapped = mapUser(raw);
      if (!mapped.ok) return { kind: "unknown", reason: mapped.error.message };
      if (mapped.value.ssoUserId !== ssoUserId) {
        return {
          kind: "unknown",
          reason: `the SSO answered with another user (${mapped.value.ssoUserId})`,
        };
      }
      return { kind: "present", user: mapped.value };
    },
  };
}

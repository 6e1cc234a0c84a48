/**
 * The one request the edge benches send (bench/edge-load.ts, bench/edge-profile.ts): a
 * 2 KiB signed `user.updated` with a padded display name, and the secret it is signed with.
 *
 * @module
 */
import { signScimBody } from "../shared/signature.ts";

/** The webhook and ingestion secret of the benches' throwaway servers. */
export const LOAD_SECRET = "edge-load-secret-0123456789abcdef";

/**
 * The 2 KiB body and its `X-SCIM-Signature` value.
 *
 * @example
 * ```ts
 * const { body, signature } = await loadBody();
 * ```
 */
export async function loadBody(): Promise<{ body: string; signature: string }> {
  const envelope = {
    id: "load-1",
    event: "user.updated",
    resourceType: "User",
    resourceId: "u-load",
    data: { id: "u-load", userName: "load@ias.co.id", active: true, displayName: "" },
  };
  envelope.data.displayName = "x".repeat(2048 - JSON.stringify(envelope).length);
  const body = JSON.stringify(envelope);
  return { body, signature: await signScimBody(LOAD_SECRET, body) };
}

/**
 * HTTP helpers shared by the development SSO's routes: SCIM JSON responses
 * (`application/scim+json`, RFC 7644 §3.1), SCIM error bodies (§3.12) and the
 * Hono environment the middlewares fill in.
 *
 * @module
 */
import type { FiredFaults } from "./faults.ts";

export const SCIM_JSON = "application/scim+json";
export const ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error";
export const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** What the auth and fault middlewares hand to the route handlers. */
export interface SsoEnv {
  Variables: { clientId: string; fired: FiredFaults };
}

/**
 * A SCIM JSON response.
 *
 * @example
 * ```ts
 * return scimJson(user, 201, { Location: user.meta.location });
 * ```
 */
export function scimJson(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": SCIM_JSON, ...headers },
  });
}

/**
 * A SCIM error response: `{ schemas: [Error URN], status: "404", detail, scimType? }`.
 *
 * @example
 * ```ts
 * return scimError(400, "bad filter", "invalidFilter");
 * ```
 */
export function scimError(
  status: number,
  detail: string,
  scimType?: string,
  headers: Record<string, string> = {},
): Response {
  return scimJson(
    { schemas: [ERROR_URN], status: String(status), ...(scimType ? { scimType } : {}), detail },
    status,
    headers,
  );
}

/**
 * The request body as JSON, or `undefined` when it is not JSON.
 *
 * @example
 * ```ts
 * const body = await readJson(c.req.raw);
 * if (body === undefined) return scimError(400, "body is not JSON", "invalidSyntax");
 * ```
 */
export async function readJson(req: Request): Promise<unknown> {
  try {
    return JSON.parse(await req.text());
  } catch {
    return undefined;
  }
}

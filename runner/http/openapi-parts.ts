/**
 * The answers every admin route of the runner's OpenAPI document shares
 * (openapi.ts, openapi-people.ts): the refusals of the admin rule and the
 * host check, a MongoDB outage, the in-flight gate's 503.
 *
 * @module
 */
import { z } from "zod";
import type { ApiResponse } from "../../shared/openapi.ts";
import { ErrorAnswer } from "../../shared/webhook/answers.ts";

/**
 * A JSON body of `schema`.
 *
 * @example
 * ```ts
 * const r = { description: "Status", content: json(SyncStatusAnswer) };
 * ```
 */
export const json = (schema: z.ZodType): Record<string, z.ZodType> => ({
  "application/json": schema,
});

/**
 * A refusal: `{ error }` with `description` saying when.
 *
 * @example
 * ```ts
 * const r = refused("runId is not a run id");
 * ```
 */
export const refused = (description: string): ApiResponse => ({
  description,
  content: json(ErrorAnswer),
});

/** The `Location` header of a redirect. */
export const location = { Location: { description: "Where to go next", schema: z.string() } };

/** ADMIN_TOKEN as a Bearer token, or as the password of Basic. */
export const ADMIN: Record<string, string[]>[] = [{ adminBearer: [] }, { adminBasic: [] }];
/** The DNS-rebinding defence and the same-origin check (host-check.ts, auth.ts). */
export const HOST_REFUSED = refused(
  "Without ADMIN_TOKEN: a Host (or Origin) other than localhost, 127.0.0.1 or [::1] on the " +
    "runner's port (DNS-rebinding defence); on POSTs also a cross-site request",
);
/** The admin rule's 401. */
export const UNAUTHORIZED: ApiResponse = {
  ...refused("ADMIN_TOKEN required (Bearer, or Basic with any user name)"),
  headers: { "WWW-Authenticate": { description: "The Basic challenge", schema: z.string() } },
};
/** The app's answer to a STORE_ error. */
export const STORE_DOWN = refused("MongoDB unavailable");
/** A page's answer to a STORE_ error: an HTML page saying what is down and what to check. */
export const STORE_DOWN_PAGE: ApiResponse = {
  description: "MongoDB unavailable: a page saying so and what to check",
  content: { "text/html": z.string() },
};
/** The in-flight gate's 503 (INGEST_MAX_IN_FLIGHT). */
export const BUSY: ApiResponse = {
  ...refused("INGEST_MAX_IN_FLIGHT events are being applied; try again"),
  headers: { "Retry-After": { description: "Seconds to wait", schema: z.string() } },
};

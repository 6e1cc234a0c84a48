/**
 * The answer to a request that failed: the JSON API keeps its JSON
 * (`{"error": "MongoDB unavailable"}`), the pages (`/modules/…`) get the
 * failure page (failure-page.tsx) with the same status.
 *
 * @module
 */
import type { Context } from "hono";
import { PAGE_CSP } from "./page-assets.ts";
import { FailurePage, type Outage } from "./failure-page.tsx";

const JSON_ERROR: Record<Outage, string> = {
  mongodb: "MongoDB unavailable",
  sso: "SSO unavailable",
  unknown: "Internal Server Error",
};

/**
 * Whether a path is one of the HTML pages (not the JSON API).
 *
 * @example
 * ```ts
 * isPagePath("/modules/sync/people/jane"); // true
 * ```
 */
export const isPagePath = (path: string): boolean =>
  path === "/modules/sync" || path.startsWith("/modules/sync/");

/**
 * The failure's answer for this request.
 *
 * @example
 * ```ts
 * return failureAnswer(c, "mongodb", err.message, 503);
 * ```
 */
export function failureAnswer(
  c: Context,
  outage: Outage,
  message: string,
  status: 500 | 502 | 503,
): Response {
  if (!isPagePath(c.req.path)) return c.json({ error: JSON_ERROR[outage] }, status);
  c.header("Cache-Control", "no-store");
  c.header("Content-Security-Policy", PAGE_CSP);
  // The unknown error's message stays in the log: it may say more than an operator's page should.
  const shown = outage === "unknown" ? "See the runner's log." : message;
  return c.html(<FailurePage outage={outage} message={shown} />, status) as Response;
}

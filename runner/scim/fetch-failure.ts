/**
 * Describing a failed `fetch` for an error message: the system's code or a
 * short message, never the URL's query string (it may carry a token).
 *
 * @module
 */

/**
 * A short reason of a fetch failure, without URLs' query strings or secrets.
 *
 * @example
 * ```ts
 * reason(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })); // "ECONNREFUSED"
 * ```
 */
export function reason(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (e.name === "TimeoutError") return "timed out";
    return typeof code === "string" ? code : e.message.slice(0, 200);
  }
  return String(e).slice(0, 200);
}

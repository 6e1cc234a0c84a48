/**
 * Faults the development SSO can be told to inject, to prove the client copes:
 * an HTTP status, a delay, a cut connection, a malformed body, a schema-invalid
 * user, or 429 with Retry-After — on one page of a listing or on every request.
 *
 * @module
 */
import { z } from "zod";

export const Fault = z.object({
  kind: z.enum(["status", "delay", "cut", "malformed", "invalidUser", "rateLimit"]),
  /** Limit to one listing. */
  resource: z.enum(["Users", "Groups"]).optional(),
  /** 1-based page of the listing (by startIndex and page size). Absent: every request. */
  page: z.number().int().positive().optional(),
  status: z.number().int().min(400).max(599).default(500),
  ms: z.number().int().nonnegative().default(1000),
  retryAfter: z.number().int().nonnegative().default(1),
  /** How many times it fires before it clears itself. Absent: until cleared. */
  times: z.number().int().positive().optional(),
});
export type Fault = z.infer<typeof Fault>;

/**
 * A list of active faults.
 *
 * @example
 * ```ts
 * const faults = createFaults();
 * faults.add({ kind: "status", status: 500, resource: "Users", page: 3, times: 1 });
 * ```
 */
export function createFaults() {
  let active: Fault[] = [];
  return {
    add(f: z.input<typeof Fault>) {
      active.push(Fault.parse(f));
    },
    clear() {
      active = [];
    },
    list: () => [...active],
    /** Faults that fire for this request; counts them down. */
    take(resource: string, page: number | null): Fault[] {
      const hit = active.filter((f) =>
        (f.resource === undefined || f.resource === resource) && (f.page === undefined || f.page === page)
      );
      for (const f of hit) if (f.times !== undefined) f.times--;
      active = active.filter((f) => f.times === undefined || f.times > 0);
      return hit;
    },
  };
}
export type Faults = ReturnType<typeof createFaults>;

/**
 * A 200 response whose body stops halfway with an error: a cut connection.
 *
 * @example
 * ```ts
 * return cutResponse(JSON.stringify(page));
 * ```
 */
export function cutResponse(body: string): Response {
  const half = new TextEncoder().encode(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(half);
      setTimeout(() => controller.error(new Error("connection cut by fault injection")), 5);
    },
  });
  return new Response(stream, { headers: { "Content-Type": "application/scim+json" } });
}

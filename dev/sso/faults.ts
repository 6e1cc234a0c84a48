/**
 * Faults the development SSO injects so tests can prove the client copes: an
 * HTTP status, a delay, 429 with Retry-After, a connection cut mid-body, a
 * malformed JSON body, a schema-invalid user. Each rule chooses its requests
 * (route, resource, list page) and its rhythm (every Nth, the next N, `times`).
 *
 * @module
 */
import { z } from "zod";
import type { Json } from "./directory.ts";
import { pageBounds } from "./listing.ts";
import { SCIM_JSON } from "./scim-http.ts";

/** A fault rule as tests and `POST /_dev/faults` write it. */
export const FaultSpec = z.strictObject({
  kind: z.enum(["status", "delay", "rateLimit", "cut", "malformed", "invalidUser"]),
  /** Which requests: `any` = every /scim/v2 request but the token endpoint. @default "any" */
  route: z.enum(["any", "list", "get", "write", "discovery", "token"]).default("any"),
  resource: z.enum(["Users", "Groups"]).optional(),
  /** 1-based page of a listing: floor((startIndex - 1) / pageSize) + 1, per request. */
  page: z.number().int().positive().optional(),
  /** Fire on every Nth matching request only. */
  everyNth: z.number().int().positive().optional(),
  /** Fire on the next N matching requests, then clear (same as `times`). */
  next: z.number().int().positive().optional(),
  /** Fire this many times, then clear. Absent: until cleared. */
  times: z.number().int().positive().optional(),
  status: z.number().int().min(400).max(599).default(500),
  /** Delay for `delay`, in ms. */
  ms: z.number().int().nonnegative().max(600_000).default(1000),
  /** Retry-After seconds for `rateLimit`. */
  retryAfter: z.number().int().nonnegative().default(1),
  /** How the `invalidUser` resource is broken. */
  variant: z.enum(["missingUserName", "badActive", "both"]).default("both"),
});
export type FaultSpec = z.input<typeof FaultSpec>;
export type FaultRule = z.infer<typeof FaultSpec> & { id: string; seen: number; fired: number };
/** What one request gets: summed delays, at most one failure, at most one body fault. */
export interface FiredFaults {
  delayMs: number;
  fail?: { status: number; retryAfter?: number };
  body?: { kind: "cut" | "malformed" | "invalidUser"; variant: FaultRule["variant"] };
}
export interface RequestShape {
  route: "list" | "get" | "write" | "discovery" | "token" | "other";
  resource?: "Users" | "Groups";
  page?: number;
}

const BODY_KINDS = new Set(["cut", "malformed", "invalidUser"]);

/**
 * Which kind of request a /scim/v2 path and method are, for fault matching.
 *
 * @example
 * ```ts
 * requestShape("GET", "/scim/v2/Users", { startIndex: "21", count: "10" }, 200); // { route: "list", resource: "Users", page: 3 }
 * ```
 */
export function requestShape(
  method: string,
  path: string,
  query: Record<string, string>,
  maxResults: number,
): RequestShape {
  const [, endpoint, id] = /^\/scim\/v2\/([^/]+)(?:\/([^/]+))?/.exec(path) ?? [];
  const resource = endpoint === "Users" || endpoint === "Groups" ? endpoint : undefined;
  if (!resource) {
    return {
      route: ["ServiceProviderConfig", "ResourceTypes", "Schemas"].includes(endpoint ?? "")
        ? "discovery"
        : "other",
    };
  }
  if (method !== "GET") return { route: "write", resource };
  if (id) return { route: "get", resource };
  return {
    route: "list",
    resource,
    page: pageBounds(query.startIndex, query.count, maxResults).page,
  };
}

/**
 * The fault table.
 *
 * @example
 * ```ts
 * const faults = createFaults();
 * faults.add({ kind: "status", status: 500, resource: "Users", page: 3, times: 1 });
 * faults.add({ kind: "rateLimit", next: 2, retryAfter: 1 });
 * faults.add({ kind: "delay", ms: 200, everyNth: 5 });
 * ```
 */
export function createFaults() {
  let rules: FaultRule[] = [];
  let seq = 0;
  const history: {
    id: string;
    kind: string;
    route: string;
    resource?: string;
    page?: number;
    at: number;
  }[] = [];

  function matches(r: FaultRule, req: RequestShape): boolean {
    if (
      r.route === "token"
        ? req.route !== "token"
        : req.route === "token" || (r.route !== "any" && r.route !== req.route)
    ) return false;
    if (
      BODY_KINDS.has(r.kind) && req.route !== "list" &&
      (req.route !== "get" || r.kind === "invalidUser")
    ) return false;
    if (r.resource !== undefined && r.resource !== req.resource) return false;
    return r.page === undefined || (req.route === "list" && req.page === r.page);
  }

  return {
    /** Adds a rule (validated); returns its id. */
    add(spec: FaultSpec): string {
      const parsed = FaultSpec.parse(spec);
      const id = `f${++seq}`;
      rules.push({ ...parsed, times: parsed.times ?? parsed.next, id, seen: 0, fired: 0 });
      return id;
    },
    remove(id: string) {
      rules = rules.filter((r) => r.id !== id);
    },
    clear() {
      rules = [];
    },
    list: (): readonly FaultRule[] => rules,
    /** Fired faults, oldest first (capped at 1000). */
    history,
    /** Decides the faults of one request and counts them down. */
    take(req: RequestShape): FiredFaults {
      const fired: FiredFaults = { delayMs: 0 };
      for (const r of rules) {
        if (!matches(r, req)) continue;
        r.seen++;
        if (r.everyNth !== undefined && r.seen % r.everyNth !== 0) continue;
        if (r.kind === "delay") fired.delayMs += r.ms;
        else if (r.kind === "status" || r.kind === "rateLimit") {
          if (fired.fail) continue; // one failure per response; the other rule keeps its turn
          fired.fail = r.kind === "status"
            ? { status: r.status }
            : { status: 429, retryAfter: r.retryAfter };
        } else {
          if (fired.body) continue;
          fired.body = { kind: r.kind, variant: r.variant };
        }
        r.fired++;
        if (r.times !== undefined) r.times--;
        history.push({
          id: r.id,
          kind: r.kind,
          route: req.route,
          resource: req.resource,
          page: req.page,
          at: Date.now(),
        });
        if (history.length > 1000) history.shift();
      }
      rules = rules.filter((r) => r.times === undefined || r.times > 0);
      return fired;
    },
  };
}
export type Faults = ReturnType<typeof createFaults>;

/**
 * A 200 response that sends the first part of `body` and then errors the
 * stream: the server aborts the connection mid-body.
 *
 * @example
 * ```ts
 * return cutResponse(JSON.stringify(page));
 * ```
 */
export function cutResponse(body: string): Response {
  const bytes = new TextEncoder().encode(body);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, Math.max(1, Math.floor(bytes.length / 2))));
      // Erroring after a tick lets the first chunk reach the socket before the abort.
      setTimeout(() => controller.error(new Error("connection cut by fault injection")), 10);
    },
  });
  return new Response(stream, { headers: { "Content-Type": SCIM_JSON } });
}

/**
 * A body that is not JSON: the real body cut before its end.
 *
 * @example
 * ```ts
 * return malformedResponse(JSON.stringify(page));
 * ```
 */
export function malformedResponse(body: string): Response {
  return new Response(body.slice(0, Math.max(1, Math.floor(body.length * 0.6))), {
    headers: { "Content-Type": SCIM_JSON },
  });
}

/**
 * A schema-invalid copy of a resource (the stored one is untouched).
 *
 * @example
 * ```ts
 * corrupt(user, "both"); // no userName, active: "maybe"
 * ```
 */
export function corrupt(resource: Json, variant: FaultRule["variant"]): Json {
  if (!("userName" in resource)) {
    const { displayName: _d, ...group } = resource; // a Group without its required displayName
    return group;
  }
  const { userName: _u, ...rest } = resource;
  const broken: Json = variant === "badActive" ? { ...resource } : rest;
  if (variant !== "missingUserName") broken.active = "maybe";
  return broken;
}

/**
 * A hostile SCIM server for the tests: honest enough for the normal client
 * to connect (a token endpoint, ServiceProviderConfig, Groups, Users), and
 * then, by mode, a listing that lies, loops or never ends, bodies too large
 * to hold, and redirects to another origin. Nothing it sends may make the
 * runner deactivate a present user, run forever, grow without bound or send
 * a credential elsewhere. Like the development SSO it imports nothing from
 * `shared/`, `runner/` or `edge/`: it is an independent peer.
 *
 * @module
 */
import { Hono } from "hono";
import { endlessBody, gzipBomb, hugePage } from "./bodies.ts";

/** What the server does wrong. */
export type HostileMode =
  /** A standard listing: 1-based startIndex, pages capped at maxResults. */
  | "honest"
  /** RFC 9865 cursors, honestly. */
  | "honest-cursor"
  /** An empty page at startIndex 201 while totalResults says every user. */
  | "empty-early"
  /** totalResults 200 while every user is served by startIndex. */
  | "total-too-low"
  /** totalResults 1e12 and the same first page for every startIndex. */
  | "total-too-high"
  /** totalResults grows by 7 with every page. */
  | "total-changes"
  /** Page 1 for every startIndex, with an honest total. */
  | "repeat-page"
  /** Cursor paging whose nextCursor never changes, with fresh users on every page. */
  | "cursor-loop"
  /** Fresh users forever, totalResults 1e12: only the run's deadline ends it. */
  | "endless-listing"
  /** /Users: a chunked body that never ends. */
  | "endless-body"
  /** /Users: Content-Encoding gzip, inflating to `bombBytes`. */
  | "gzip-bomb"
  /** /Users: a well-formed page of `hugeBytes`. */
  | "huge-page"
  /** The token endpoint answers 307 to `elsewhere`. */
  | "redirect-token"
  /** /Users answers 308 to `elsewhere`. */
  | "redirect-users"
  /** /Users answers 307 once to the same URL on this origin (a redirect a client may follow). */
  | "redirect-same-origin"
  /** Users and Groups: a startIndex past totalResults is answered with the first page again. */
  | "first-page-past-end"
  /** Users and Groups: `itemsPerPage` is the `count` asked for, even on a short or empty page. */
  | "items-per-page-count"
  /** Both of the above, as a server built on a common SCIM library answers (see README "Interop"). */
  | "library-paging";

/** Options of {@linkcode createHostileScim}. */
export interface HostileScimOptions {
  /** Users in the directory. @default 240 */
  users?: number;
  /** Groups in the directory, listed honestly except in the paging modes. @default 0 */
  groups?: number;
  /** Page cap (`filter.maxResults`). @default 100 */
  maxResults?: number;
  /** Origin redirects point to (a recorder), e.g. `http://127.0.0.1:40001`. */
  elsewhere?: string;
  /** @default "honest" */
  mode?: HostileMode;
  /** Inflated size of the gzip bomb. @default 256 MiB */
  bombBytes?: number;
  /** Size of the huge page. @default 200 MB */
  hugeBytes?: number;
}

/** A request the server received (no bodies, no headers: it never needs them). */
export interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
}

export const TOKEN = "hostile-access-token";
const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/**
 * A user as a standard server lists it.
 *
 * @example
 * ```ts
 * hostileUser(7).id; // "u-0007"
 * ```
 */
export function hostileUser(i: number, prefix = "u") {
  const id = `${prefix}-${String(i).padStart(4, "0")}`;
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    id,
    userName: `${id}@ias.co.id`,
    name: { givenName: "User", familyName: id },
    active: true,
    meta: { resourceType: "User", lastModified: "2025-01-01T00:00:00.000Z" },
  };
}

/**
 * A group as a standard server lists it.
 *
 * @example
 * ```ts
 * hostileGroup(2).displayName; // "Unit g-0002"
 * ```
 */
export function hostileGroup(i: number) {
  const id = `g-${String(i).padStart(4, "0")}`;
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    id,
    displayName: `Unit ${id}`,
    meta: { resourceType: "Group", lastModified: "2025-01-01T00:00:00.000Z" },
  };
}

/**
 * One page of `all` under index paging, as an honest server or a server with
 * the paging modes' quirks serves it.
 */
function indexPage(
  all: readonly unknown[],
  { start, count, asked }: { start: number; count: number; asked: number },
  mode: HostileMode,
) {
  const quirks = mode === "library-paging";
  const firstAgain = quirks || mode === "first-page-past-end";
  const from = firstAgain && start > all.length ? 1 : start;
  const resources = all.slice(from - 1, from - 1 + count);
  const askedCount = quirks || mode === "items-per-page-count";
  return {
    schemas: [LIST_URN],
    totalResults: all.length,
    startIndex: start,
    itemsPerPage: askedCount ? asked : resources.length,
    Resources: resources,
  };
}

/**
 * Creates the hostile server's app and its controls.
 *
 * @example
 * ```ts
 * const h = createHostileScim({ users: 240 });
 * h.setMode("empty-early");
 * await h.app.request("/scim/v2/Users?startIndex=201"); // an empty page, totalResults 240
 * ```
 */
export function createHostileScim(options: HostileScimOptions = {}) {
  const maxResults = options.maxResults ?? 100;
  // Tests may add or remove users between runs; the honest total follows.
  const users = Array.from({ length: options.users ?? 240 }, (_, i) => hostileUser(i + 1));
  const groups = Array.from({ length: options.groups ?? 0 }, (_, i) => hostileGroup(i + 1));
  let mode: HostileMode = options.mode ?? "honest";
  const received: Received[] = [];
  let pagesServed = 0;
  const app = new Hono();

  app.use("*", async (c, next) => {
    const url = new URL(c.req.url);
    received.push({
      method: c.req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
    });
    await next();
  });

  app.post("/scim/v2/token", (c) => {
    if (mode === "redirect-token") return c.redirect(`${options.elsewhere}/scim/v2/token`, 307);
    return c.json({ access_token: TOKEN, token_type: "Bearer", expires_in: 3600 }, 200, {
      "Cache-Control": "no-store",
    });
  });

  app.use("/scim/v2/*", async (c, next) => {
    if (c.req.path === "/scim/v2/token") return next();
    if (c.req.header("authorization") !== `Bearer ${TOKEN}`) {
      return c.json({ status: "401", detail: "no token" }, 401);
    }
    await next();
  });

  app.get("/scim/v2/ServiceProviderConfig", (c) =>
    c.json({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      filter: { supported: true, maxResults },
      pagination: { cursor: mode === "cursor-loop" || mode === "honest-cursor", index: true },
    }));

  const bounds = (q: Record<string, string>) => {
    const asked = Math.max(0, Number(q.count ?? maxResults) || maxResults);
    return {
      start: Math.max(1, Number(q.startIndex ?? 1) || 1),
      count: Math.min(maxResults, asked),
      asked,
    };
  };

  app.get("/scim/v2/Groups", (c) => {
    return c.json(indexPage(groups, bounds(c.req.query()), mode));
  });

  app.get("/scim/v2/Users", async (c) => {
    pagesServed++;
    const q = c.req.query();
    const b = bounds(q);
    const { start, count } = b;
    const list = (
      resources: unknown[],
      totalResults: number,
      extra: Record<string, unknown> = {},
    ) =>
      c.json({
        schemas: [LIST_URN],
        totalResults,
        startIndex: start,
        itemsPerPage: resources.length,
        Resources: resources,
        ...extra,
      });
    const slice = (from: number) => users.slice(from - 1, from - 1 + count);
    const total = users.length;
    switch (mode) {
      case "endless-body":
        return new Response(endlessBody(), {
          headers: { "Content-Type": "application/scim+json" },
        });
      case "huge-page":
        return new Response(hugePage(options.hugeBytes ?? 200_000_000), {
          headers: { "Content-Type": "application/scim+json" },
        });
      case "gzip-bomb":
        return new Response(await gzipBomb(options.bombBytes ?? 256 * 1024 * 1024), {
          headers: { "Content-Type": "application/scim+json", "Content-Encoding": "gzip" },
        });
      case "redirect-users":
        return c.redirect(`${options.elsewhere}/scim/v2/Users${new URL(c.req.url).search}`, 308);
      case "redirect-same-origin":
        if (q.hop !== "1") {
          return c.redirect(`/scim/v2/Users?${new URLSearchParams({ ...q, hop: "1" })}`, 307);
        }
        return list(slice(start), total);
      case "empty-early":
        return list(start > 200 ? [] : slice(start), total);
      case "total-too-low":
        return list(slice(start), 200);
      case "total-too-high":
        return list(slice(1), 1e12);
      case "total-changes":
        return list(slice(start), total + 7 * (pagesServed - 1));
      case "repeat-page":
        return list(slice(1), total);
      case "endless-listing":
        return list(Array.from({ length: count }, (_, i) => hostileUser(start + i, "e")), 1e12);
      case "cursor-loop":
        return list(
          Array.from({ length: count }, (_, i) => hostileUser(pagesServed * count + i, "c")),
          1e12,
          {
            nextCursor: "same-cursor",
          },
        );
      case "first-page-past-end":
      case "items-per-page-count":
      case "library-paging":
        return c.json(indexPage(users, b, mode));
      case "honest-cursor": {
        const from = Number(q.cursor || "1");
        const next = from + count <= total ? { nextCursor: String(from + count) } : {};
        return list(slice(from), total, next);
      }
      default:
        return list(slice(start), total);
    }
  });

  return {
    app,
    /** Every request received, in order. */
    received,
    /** Users listed in honest mode. */
    users,
    /** Groups listed. */
    groups,
    setMode(m: HostileMode) {
      mode = m;
      pagesServed = 0;
      received.length = 0;
    },
    get mode() {
      return mode;
    },
  };
}

export type HostileScim = ReturnType<typeof createHostileScim>;

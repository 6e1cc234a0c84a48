/**
 * Keys in paths checked before routing. `request.url` is built by the URL
 * parser, which resolves dot segments — `.` and `..` in any spelling (`%2E`,
 * `.%2e`) — and reads `\` as `/`; Hono routes on that result. So a raw
 * `POST /api/v1/scim/people/%2E%2E/sync` arrives at Hono as
 * `POST /api/v1/scim/sync` and starts a full sync: a client that put a key
 * into the path gets an action it never asked for.
 *
 * Bun's own router (`Bun.serve({ routes })`) matches the request-target as
 * sent, before that normalisation. {@linkcode rawTargetRoutes} registers the
 * keyed paths there: a key that is empty, `.` or `..`, or a path that the
 * parser turned into something else than one key segment under its prefix,
 * is answered 400 before Hono sees it; everything else goes on to the app
 * unchanged. tests/runner/http/raw-target.test.ts pins the Bun behaviour this
 * relies on (a Bun that normalised before matching would make that test fail).
 *
 * @module
 */
import type { Server } from "bun";

/** The app's handler, as `Bun.serve` calls it (Hono's `app.fetch`). */
export type FetchHandler = (req: Request, server: Server<unknown>) => Response | Promise<Response>;

/** The keyed paths of the runner (person-routes.tsx): `prefix/:key` plus what follows the key. */
export const KEYED_PATHS = [
  { prefix: "/api/v1/scim/people", suffixes: ["", "/sync"] },
  { prefix: "/api/v1/scim/org-units", suffixes: ["/sync"] },
  { prefix: "/modules/sync/people", suffixes: ["", "/sync"] },
] as const;

const refuse = (why: string) =>
  Response.json({ error: `The key in the path is not a key: ${why}` }, { status: 400 });

/** A segment the URL parser removes or that names nothing. */
const isDotOrEmpty = (key: string) => key === "" || key === "." || key === "..";

/** The path as the app will see it (the URL parser's result). */
const normalisedPath = (req: Request) => new URL(req.url).pathname;

/**
 * Whether the normalised path is still `prefix/<one non-empty segment>suffix`:
 * false when dot segments or backslashes moved the request elsewhere.
 */
function stillKeyed(path: string, prefix: string, suffix: string): boolean {
  if (!path.startsWith(`${prefix}/`) || !path.endsWith(suffix)) return false;
  const key = path.slice(prefix.length + 1, path.length - suffix.length);
  return !isDotOrEmpty(key) && !key.includes("/");
}

/**
 * `Bun.serve` routes that refuse, with 400, a keyed path whose key is empty,
 * `.` or `..` as sent, or whose normalised form left its prefix; all other
 * requests on those paths go to `fetch` as they are.
 *
 * @param fetch the app's handler (`app.fetch`)
 * @returns the `routes` option of `Bun.serve`; pass the same `fetch` as its `fetch`
 *
 * @example
 * ```ts
 * Bun.serve({ hostname, port, routes: rawTargetRoutes(app.fetch), fetch: app.fetch });
 * ```
 */
export function rawTargetRoutes(
  fetch: FetchHandler,
): Record<
  string,
  (
    req: Request & { params: Record<string, string> },
    server: Server<unknown>,
  ) => Response | Promise<Response>
> {
  const routes: Record<
    string,
    (
      req: Request & { params: Record<string, string> },
      server: Server<unknown>,
    ) => Response | Promise<Response>
  > = {};
  for (const { prefix, suffixes } of KEYED_PATHS) {
    for (const suffix of suffixes) {
      routes[`${prefix}/:key${suffix}`] = (req, server) => {
        if (isDotOrEmpty(req.params.key ?? "")) return refuse(`"${req.params.key}"`);
        if (!stillKeyed(normalisedPath(req), prefix, suffix)) {
          return refuse("its dot segments or backslashes lead out of its place");
        }
        return fetch(req, server);
      };
    }
    // Anything longer or with an empty segment under the prefix, as sent.
    routes[`${prefix}/*`] = (req, server) => {
      const path = normalisedPath(req);
      const first = path.startsWith(`${prefix}/`)
        ? path.slice(prefix.length + 1).split("/")[0]!
        : "";
      return isDotOrEmpty(first)
        ? refuse("it is empty or leads out of its place")
        : fetch(req, server);
    };
  }
  return routes;
}

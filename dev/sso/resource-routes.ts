/**
 * The SCIM resource endpoints of the development SSO: `/Users` and `/Groups`
 * with list (paged, filtered, sorted, projected), get, and the write verbs
 * POST / PUT / PATCH / DELETE that tests and the demo use to make changes
 * (each fires a directory change, hence a webhook). Body faults — cut,
 * malformed, invalid resource — are applied here, after the page is built.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { type Directory, DirectoryError, type Json, type ScimResource } from "./directory.ts";
import { corrupt, cutResponse, type FiredFaults, malformedResponse } from "./faults.ts";
import { InvalidFilterError } from "./filter.ts";
import { listPage, projection, readListQuery } from "./listing.ts";
import { applyPatch, PatchError } from "./patch.ts";
import { readJson, scimError, scimJson, type SsoEnv } from "./scim-http.ts";

export interface ResourceRouteDeps {
  directory: Directory;
  maxResults: number;
  /** Called before each list page is built: tests change data between pages. */
  onPage: () => ((resource: "Users" | "Groups", page: number) => void | Promise<void>) | undefined;
}

const WriteBody = {
  User: z.looseObject({
    schemas: z.array(z.string()).optional(),
    userName: z.string().min(1),
    active: z.boolean().optional(),
  }),
  Group: z.looseObject({
    schemas: z.array(z.string()).optional(),
    displayName: z.string().min(1),
    members: z.array(z.looseObject({ value: z.string() })).optional(),
  }),
};

/** Serialises with the request's body fault, if one fired. */
function render(
  body: Json,
  status: number,
  fired: FiredFaults | undefined,
  headers: Record<string, string> = {},
): Response {
  if (
    fired?.body?.kind === "invalidUser" && Array.isArray(body.Resources) &&
    body.Resources.length > 0
  ) {
    const at = Math.floor(body.Resources.length / 2);
    body = {
      ...body,
      Resources: body.Resources.map((
        r,
        i,
      ) => (i === at ? corrupt(r as Json, fired.body!.variant) : r)),
    };
  }
  if (fired?.body?.kind === "cut") return cutResponse(JSON.stringify(body));
  if (fired?.body?.kind === "malformed") return malformedResponse(JSON.stringify(body));
  return scimJson(body, status, headers);
}

function failure(e: unknown): Response {
  if (e instanceof DirectoryError) return scimError(e.status, e.message, e.scimType);
  if (e instanceof PatchError) return scimError(400, e.message, e.scimType);
  if (e instanceof InvalidFilterError) return scimError(400, e.message, e.scimType);
  throw e;
}

const written = (r: ScimResource, status = 200) =>
  scimJson(r, status, {
    ETag: r.meta.version,
    ...(status === 201 ? { Location: r.meta.location } : {}),
  });

/**
 * The routes, to mount under `/scim/v2`.
 *
 * @example
 * ```ts
 * app.route("/scim/v2", resourceRoutes({ directory: dir, maxResults: 200, onPage: () => undefined }));
 * ```
 */
export function resourceRoutes(deps: ResourceRouteDeps): Hono<SsoEnv> {
  const app = new Hono<SsoEnv>();
  const id = (c: Context<SsoEnv>) => c.req.param("id") ?? "";

  // One route per endpoint: explicit paths, so `/Users/:id` can never match the list route.
  for (const [endpoint, t] of [["Users", "User"], ["Groups", "Group"]] as const) {
    app.get(`/${endpoint}`, async (c) => {
      try {
        const q = readListQuery(c.req.query(), deps.maxResults);
        await deps.onPage()?.(endpoint, q.page);
        return render(listPage(deps.directory.list(t), q), 200, c.get("fired"));
      } catch (e) {
        return failure(e);
      }
    });

    app.get(`/${endpoint}/:id`, (c) => {
      const r = deps.directory.get(t, id(c));
      if (!r) return scimError(404, `${t} ${id(c)} not found`);
      if (c.req.header("if-none-match") === r.meta.version) {
        return new Response(null, { status: 304, headers: { ETag: r.meta.version } });
      }
      const q = c.req.query();
      const split = (v?: string) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      return render(
        projection(r, split(q.attributes), split(q.excludedAttributes)),
        200,
        c.get("fired"),
        { ETag: r.meta.version },
      );
    });

    app.post(`/${endpoint}`, async (c) => {
      const body = WriteBody[t].safeParse(await readJson(c.req.raw));
      if (!body.success) return scimError(400, z.prettifyError(body.error), "invalidValue");
      const { id: _ignored, ...input } = body.data; // id is assigned by the server (RFC 7643 §3.1)
      try {
        return written(deps.directory.create(t, input), 201);
      } catch (e) {
        return failure(e);
      }
    });

    app.put(`/${endpoint}/:id`, async (c) => {
      const body = WriteBody[t].safeParse(await readJson(c.req.raw));
      if (!body.success) return scimError(400, z.prettifyError(body.error), "invalidValue");
      try {
        return written(deps.directory.replace(t, id(c), body.data, c.req.header("if-match")));
      } catch (e) {
        return failure(e);
      }
    });

    app.patch(`/${endpoint}/:id`, async (c) => {
      const body = await readJson(c.req.raw);
      try {
        const next = deps.directory.update(t, id(c), (current) => {
          const patched = applyPatch(current, body);
          const check = WriteBody[t].safeParse(patched);
          if (!check.success) throw new PatchError(z.prettifyError(check.error), "invalidValue");
          return patched;
        }, c.req.header("if-match"));
        return written(next);
      } catch (e) {
        return failure(e);
      }
    });

    app.delete(`/${endpoint}/:id`, (c) => {
      try {
        return deps.directory.remove(t, id(c), c.req.header("if-match"))
          ? new Response(null, { status: 204 })
          : scimError(404, `${t} ${id(c)} not found`);
      } catch (e) {
        return failure(e);
      }
    });
  }
  return app;
}

/**
 * A SCIM server built the way SCIMMY (npm `scimmy`, with `scimmy-routers` on
 * Express 4) tells its users to build one: the library parses requests,
 * validates resources against the RFC 7643 schemas, applies PATCH, filters and
 * shapes ListResponses; the application supplies only storage (here, Maps in
 * memory) through the ingress/egress/degress handlers, returning every match
 * of the filter and leaving paging to the library, as its documentation shows.
 * Users carry the enterprise extension. For the interop suite
 * (tests/runner/interop/), started as its own process by `servers.ts`:
 *
 *   INTEROP_PORT=0 INTEROP_TOKEN=… bun dev/interop/scimmy-server.ts
 *
 * prints `ready <SCIM base URL>` once listening. Like the development SSO it
 * imports nothing from `shared/`, `runner/` or `edge/`.
 *
 * @module
 */
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

type Stored = Record<string, unknown> & { id: string; meta: { created: string } };
// SCIMMY's handler types are generic over its schema classes; the storage here is plain JSON.
// deno-lint-ignore no-explicit-any
type Loose = any;

/**
 * Storage handlers of one resource type over a Map, as SCIMMY's documentation
 * sketches them. A plain Error thrown here is answered 404 by SCIMMY.
 */
function handlersOver(name: string): Record<"ingress" | "egress" | "degress", Loose> {
  const all = new Map<string, Stored>();
  const find = (id: string) => {
    const doc = all.get(id);
    if (!doc) throw new Error(`${name} ${id} not found`);
    return doc;
  };
  return {
    ingress(resource: { id?: string }, instance: unknown): Stored {
      const now = new Date().toISOString();
      const created = resource.id ? find(resource.id).meta.created : now;
      const id = resource.id ?? crypto.randomUUID();
      const doc = {
        ...JSON.parse(JSON.stringify(instance)),
        id,
        meta: { created, lastModified: now },
      };
      all.set(id, doc);
      return doc;
    },
    egress(resource: { id?: string; filter?: { match(v: Stored[]): Stored[] } }) {
      if (resource.id) return find(resource.id);
      const list = [...all.values()];
      return resource.filter ? resource.filter.match(list) : list;
    },
    degress(resource: { id?: string }) {
      find(resource.id ?? "");
      all.delete(resource.id ?? "");
    },
  };
}

/**
 * The Express app: SCIMMY's routers under `/scim/v2`, a static bearer token.
 *
 * @example
 * ```ts
 * createScimmyApp("token").listen(0, "127.0.0.1");
 * ```
 */
export function createScimmyApp(token: string) {
  SCIMMY.Config.set({ patch: true, filter: 200, sort: false, bulk: false });
  const users = handlersOver("User");
  const groups = handlersOver("Group");
  SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
    .ingress(users.ingress).egress(users.egress).degress(users.degress);
  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress(groups.ingress).egress(groups.egress).degress(groups.degress);
  const app = express();
  app.use(
    "/scim/v2",
    new SCIMMYRouters({
      type: "bearer",
      handler: (req) => {
        if (req.header("Authorization") !== `Bearer ${token}`) throw new Error("Invalid token");
        return "interop-client";
      },
    }),
  );
  return app;
}

if (import.meta.main) {
  const token = process.env.INTEROP_TOKEN;
  if (!token) throw new Error("INTEROP_TOKEN is required");
  const server = createScimmyApp(token).listen(Number(process.env.INTEROP_PORT ?? 0), "127.0.0.1");
  server.on("listening", () => {
    const { port } = server.address() as { port: number };
    console.log(`ready http://127.0.0.1:${port}/scim/v2`);
  });
  // In memory: nothing to flush, and keep-alive sockets must not hold the exit.
  process.on("SIGTERM", () => process.exit(0));
}

/**
 * The development SSO: a standard-behaving SCIM 2.0 service provider on Hono,
 * for tests, benchmarks and the demo. It is an independent peer and imports
 * nothing from the product. 1-based startIndex, pages capped at maxResults,
 * SCIM error bodies, OAuth2 client credentials or a static bearer token.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { createDirectory, type ResourceType } from "./directory.ts";
import { createFaults, cutResponse } from "./faults.ts";
import { InvalidFilterError, type Json, parseFilter } from "./filter.ts";
import { generateOrg } from "./generator.ts";
import { createWebhookSender, type WebhookTarget } from "./webhook-sender.ts";
import { spcDocument } from "./service-provider-config.ts";

export interface DevSsoOptions {
  clientId?: string;
  clientSecret?: string;
  /** Accept this bearer token as is (no token endpoint needed). */
  staticToken?: string;
  /** Token for /_dev/* (any valid access token works too). @default "dev-admin" */
  devToken?: string;
  tokenTtlSeconds?: number;
  maxResults?: number;
  seed?: number;
  users?: number;
  orgUnits?: number;
  baseUrl?: string;
  webhooks?: WebhookTarget[];
  webhookRetryDelayMs?: number;
  /** Called before each list page is served (tests change data mid-listing). */
  onPage?: (resource: "Users" | "Groups", page: number) => void;
}

const SCIM_JSON = "application/scim+json";
const ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error";

function scimError(status: number, detail: string, scimType?: string): Response {
  return new Response(JSON.stringify({ schemas: [ERROR_URN], status: String(status), detail, ...(scimType ? { scimType } : {}) }), {
    status,
    headers: { "Content-Type": SCIM_JSON },
  });
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": SCIM_JSON } });

/**
 * Creates the development SSO.
 *
 * @example
 * ```ts
 * const sso = createDevSso({ users: 100 });
 * const res = await sso.app.request("/scim/v2/ServiceProviderConfig", { headers: { Authorization: "Bearer x" } });
 * ```
 */
export function createDevSso(options: DevSsoOptions = {}) {
  const clientId = options.clientId ?? "scim-dev-client";
  const clientSecret = options.clientSecret ?? "dev-secret-change-me";
  const devToken = options.devToken ?? "dev-admin";
  const maxResults = options.maxResults ?? 200;
  const directory = createDirectory({ baseUrl: options.baseUrl ?? "http://localhost:5173/scim/v2" });
  const faults = createFaults();
  const webhooks = createWebhookSender({ targets: options.webhooks, retryDelayMs: options.webhookRetryDelayMs });
  directory.onChange((c) => webhooks.send(c));
  const tokens = new Map<string, number>();
  const stats = { requests: {} as Record<string, number>, tokensIssued: 0 };
  let seed = options.seed ?? 42;

  function seedOrg(s: number, users: number, orgUnits?: number) {
    seed = s;
    directory.clear();
    const org = generateOrg({ seed: s, users, orgUnits });
    directory.load("Group", org.groups);
    directory.load("User", org.users);
  }
  seedOrg(seed, options.users ?? 0, options.orgUnits);

  const authorized = (h: string | undefined) => {
    const token = /^Bearer (.+)$/.exec(h ?? "")?.[1];
    if (!token) return false;
    if (token === options.staticToken || token === devToken) return true;
    const exp = tokens.get(token);
    return exp !== undefined && exp > Date.now();
  };

  const app = new Hono();
  app.use("*", async (c, next) => {
    const key = `${c.req.method} ${c.req.path.replace(/\/[0-9a-f-]{8,}$/i, "/:id")}`;
    stats.requests[key] = (stats.requests[key] ?? 0) + 1;
    await next();
  });
  app.get("/health", (c) => c.json({ status: "ok" }));

  app.post("/scim/v2/token", async (c) => {
    const form = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
    let id = String(form.client_id ?? "");
    let secret = String(form.client_secret ?? "");
    const basic = /^Basic (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (basic) [id, secret] = atob(basic).split(":") as [string, string];
    if (form.grant_type !== "client_credentials") return c.json({ error: "unsupported_grant_type" }, 400);
    if (id !== clientId || secret !== clientSecret) return c.json({ error: "invalid_client" }, 401);
    const token = crypto.randomUUID().replaceAll("-", "");
    const ttl = options.tokenTtlSeconds ?? 3600;
    tokens.set(token, Date.now() + ttl * 1000);
    stats.tokensIssued++;
    return c.json({ access_token: token, token_type: "Bearer", expires_in: ttl });
  });

  app.use("/scim/v2/*", async (c, next) => {
    if (!authorized(c.req.header("authorization"))) return scimError(401, "Authorization failure: missing or invalid bearer token");
    await next();
  });
  app.use("/_dev/*", async (c, next) => {
    if (!authorized(c.req.header("authorization"))) return c.json({ error: "unauthorized" }, 401);
    await next();
  });

  app.get("/scim/v2/ServiceProviderConfig", () => json(spcDocument(maxResults)));

  for (const [path, type] of [["Users", "User"], ["Groups", "Group"]] as const) {
    app.get(`/scim/v2/${path}`, (c) => listResponse(path, type, c.req.url));
    app.get(`/scim/v2/${path}/:id`, (c) => {
      const r = directory.get(type, c.req.param("id"));
      return r ? json(r) : scimError(404, `${type} ${c.req.param("id")} not found`);
    });
    app.post(`/scim/v2/${path}`, async (c) => {
      const body = await c.req.json().catch(() => null);
      if (!body || typeof body !== "object") return scimError(400, "body must be a JSON object", "invalidSyntax");
      return json(directory.create(type, body as Json), 201);
    });
    app.put(`/scim/v2/${path}/:id`, async (c) => {
      const body = await c.req.json().catch(() => null);
      if (!body || typeof body !== "object") return scimError(400, "body must be a JSON object", "invalidSyntax");
      const r = directory.replace(type, c.req.param("id"), body as Json);
      return r ? json(r) : scimError(404, `${type} ${c.req.param("id")} not found`);
    });
    app.patch(`/scim/v2/${path}/:id`, async (c) => {
      const old = directory.get(type, c.req.param("id"));
      if (!old) return scimError(404, `${type} ${c.req.param("id")} not found`);
      const body = PatchBody.safeParse(await c.req.json().catch(() => null));
      if (!body.success) return scimError(400, "PatchOp with replace/add operations expected", "invalidSyntax");
      const next: Json = structuredClone(old);
      for (const op of body.data.Operations) {
        if (op.path) setPath(next, op.path, op.value);
        else if (op.value && typeof op.value === "object") Object.assign(next, op.value);
      }
      return json(directory.replace(type, c.req.param("id"), next));
    });
    app.delete(`/scim/v2/${path}/:id`, (c) =>
      directory.remove(type, c.req.param("id")) ? new Response(null, { status: 204 }) : scimError(404, `${type} not found`));
  }

  async function listResponse(path: "Users" | "Groups", type: ResourceType, href: string): Promise<Response> {
    const url = new URL(href);
    const startIndex = Math.max(1, Number(url.searchParams.get("startIndex") ?? 1) || 1);
    const asked = Number(url.searchParams.get("count") ?? maxResults);
    const count = Math.max(0, Math.min(Number.isFinite(asked) ? asked : maxResults, maxResults));
    const pageNo = count > 0 ? Math.floor((startIndex - 1) / count) + 1 : 1;
    options.onPage?.(path, pageNo);
    const fired = faults.take(path, pageNo);
    for (const f of fired) {
      if (f.kind === "delay") await new Promise((r) => setTimeout(r, f.ms));
    }
    for (const f of fired) {
      if (f.kind === "status") return scimError(f.status, `injected failure on page ${pageNo}`);
      if (f.kind === "rateLimit") {
        const res = scimError(429, "Too many requests");
        res.headers.set("Retry-After", String(f.retryAfter));
        return res;
      }
    }
    let all = directory.list(type);
    const filter = url.searchParams.get("filter");
    if (filter) {
      try {
        const p = parseFilter(filter);
        all = all.filter(p);
      } catch (e) {
        return scimError(400, e instanceof InvalidFilterError ? `invalid filter: ${e.message}` : "invalid filter", "invalidFilter");
      }
    }
    const page = all.slice(startIndex - 1, startIndex - 1 + count);
    if (fired.some((f) => f.kind === "invalidUser") && page.length > 0) {
      page[0] = { ...page[0], userName: undefined, active: "maybe" };
    }
    const body = JSON.stringify({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: all.length,
      startIndex,
      itemsPerPage: page.length,
      Resources: page,
    });
    if (fired.some((f) => f.kind === "cut")) return cutResponse(body);
    if (fired.some((f) => f.kind === "malformed")) return new Response(body.slice(0, body.length - 7), { headers: { "Content-Type": SCIM_JSON } });
    return new Response(body, { headers: { "Content-Type": SCIM_JSON } });
  }

  app.get("/_dev/stats", (c) => c.json({ ...stats, users: directory.size("User"), groups: directory.size("Group") }));
  app.post("/_dev/faults", async (c) => {
    const body = await c.req.json().catch(() => null);
    const list = Array.isArray(body) ? body : [body];
    try {
      for (const f of list) faults.add(f);
    } catch (e) {
      return c.json({ error: String(e) }, 400);
    }
    return c.json({ faults: faults.list() });
  });
  app.delete("/_dev/faults", (c) => {
    faults.clear();
    return c.json({ faults: [] });
  });
  app.post("/_dev/reset", async (c) => {
    const b = z.object({ seed: z.number().int().default(seed), users: z.number().int().nonnegative(), orgUnits: z.number().int().optional() })
      .safeParse(await c.req.json().catch(() => null));
    if (!b.success) return c.json({ error: z.prettifyError(b.error) }, 400);
    seedOrg(b.data.seed, b.data.users, b.data.orgUnits);
    return c.json({ users: directory.size("User"), groups: directory.size("Group") });
  });
  app.post("/_dev/mutate", async (c) => {
    const b = Mutation.safeParse(await c.req.json().catch(() => null));
    if (!b.success) return c.json({ error: z.prettifyError(b.error) }, 400);
    return c.json(mutate(b.data));
  });
  app.post("/_dev/webhooks", async (c) => {
    const b = z.object({ url: z.url(), secret: z.string().min(1), events: z.array(z.string()).optional() })
      .safeParse(await c.req.json().catch(() => null));
    if (!b.success) return c.json({ error: z.prettifyError(b.error) }, 400);
    webhooks.targets.push(b.data);
    return c.json({ targets: webhooks.targets.length });
  });

  function mutate(m: z.infer<typeof Mutation>) {
    const users = directory.list("User");
    let n = m.seed;
    const rnd = () => ((n = (n * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pickIndex = (len: number) => Math.floor(rnd() * len);
    const changed: string[] = [];
    const deleted: string[] = [];
    const added: string[] = [];
    for (let i = 0; i < m.changeUsers && users.length > 0; i++) {
      const u = users[pickIndex(users.length)] as Json;
      const next = { ...u, phoneNumbers: [{ value: `+62 9${Math.floor(rnd() * 1e9)}`, type: "mobile" }] };
      directory.replace("User", String(u.id), next);
      changed.push(String(u.id));
    }
    for (let i = 0; i < m.deleteUsers; i++) {
      const live = directory.list("User");
      if (live.length === 0) break;
      const u = live[pickIndex(live.length)] as Json;
      directory.remove("User", String(u.id));
      deleted.push(String(u.id));
    }
    const fresh = generateOrg({ seed: m.seed + 7919, users: m.addUsers, orgUnits: 3, domain: `new${m.seed}.ias.co.id` }).users;
    for (const u of fresh) added.push(String(directory.create("User", { ...u, id: undefined }).id));
    return { changed, deleted, added };
  }

  return { app, directory, faults, webhooks, stats, seedOrg };
}

const PatchBody = z.object({
  Operations: z.array(z.object({ op: z.string(), path: z.string().optional(), value: z.unknown() })).min(1),
});
const Mutation = z.object({
  changeUsers: z.number().int().nonnegative().default(0),
  deleteUsers: z.number().int().nonnegative().default(0),
  addUsers: z.number().int().nonnegative().default(0),
  seed: z.number().int().default(1),
});

function setPath(target: Json, path: string, value: unknown) {
  const parts = path.split(".");
  let cur: Json = target;
  for (const p of parts.slice(0, -1)) {
    if (!cur[p] || typeof cur[p] !== "object") cur[p] = {};
    cur = cur[p] as Json;
  }
  cur[parts.at(-1) as string] = value;
}

export type DevSso = ReturnType<typeof createDevSso>;

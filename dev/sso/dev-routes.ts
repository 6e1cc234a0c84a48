/**
 * The development SSO's admin API under `/_dev`, for cross-process tests and
 * the demo: stats, reset (regenerate the org), mutate (random changes that
 * fire webhooks), faults, webhook targets and the request allowance. Plain
 * JSON, not SCIM.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Allowance } from "./allowance.ts";
import type { Directory } from "./directory.ts";
import { type Faults, FaultSpec } from "./faults.ts";
import type { Mutation, MutationResult } from "./mutator.ts";
import { readJson } from "./scim-http.ts";
import type { WebhookSender } from "./webhook-sender.ts";

export interface DevRouteDeps {
  directory: Directory;
  faults: Faults;
  webhooks: WebhookSender;
  stats: () => Record<string, unknown>;
  reset(org: { seed?: number | string; users?: number; orgUnits?: number }): void;
  mutate(m: Mutation): MutationResult;
  allowance: Allowance;
}

const Reset = z.strictObject({
  seed: z.union([z.number().int(), z.string().min(1)]).optional(),
  users: z.number().int().nonnegative().max(1_000_000).optional(),
  orgUnits: z.number().int().positive().max(200_000).optional(),
});
const Mutate = z.strictObject({
  changeUsers: z.number().int().nonnegative().max(1_000_000).default(0),
  deleteUsers: z.number().int().nonnegative().max(1_000_000).default(0),
  addUsers: z.number().int().nonnegative().max(1_000_000).default(0),
  seed: z.union([z.number().int(), z.string().min(1)]).optional(),
});
const AllowanceBody = z.strictObject({
  requests: z.number().int().nonnegative().max(1_000_000),
  windowMs: z.number().int().positive().max(3_600_000).optional(),
});
const Target = z.strictObject({
  url: z.url(),
  secret: z.string().min(1),
  events: z.array(z.string().min(1)).optional(),
});

/**
 * The routes, to mount under `/_dev` (behind the admin auth middleware).
 *
 * @example
 * ```ts
 * app.route("/_dev", devRoutes({ directory, faults, webhooks, stats, reset, mutate, allowance }));
 * ```
 */
export function devRoutes(deps: DevRouteDeps): Hono {
  const app = new Hono();
  const parse = async <T extends z.ZodType>(schema: T, req: Request) =>
    schema.safeParse((await readJson(req)) ?? {});
  const bad = (error: z.ZodError) =>
    Response.json({ error: z.prettifyError(error) }, { status: 400 });

  app.get("/stats", (c) => c.json(deps.stats()));

  app.post("/reset", async (c) => {
    const body = await parse(Reset, c.req.raw);
    if (!body.success) return bad(body.error);
    deps.reset(body.data);
    return c.json({ users: deps.directory.size("User"), groups: deps.directory.size("Group") });
  });

  app.post("/mutate", async (c) => {
    const body = await parse(Mutate, c.req.raw);
    if (!body.success) return bad(body.error);
    return c.json(deps.mutate(body.data));
  });

  const allowance = () => ({
    requests: deps.allowance.requests,
    windowMs: deps.allowance.windowMs,
  });
  app.get("/allowance", (c) => c.json(allowance()));
  app.put("/allowance", async (c) => {
    const body = await parse(AllowanceBody, c.req.raw);
    if (!body.success) return bad(body.error);
    deps.allowance.set(body.data.requests, body.data.windowMs);
    return c.json(allowance());
  });

  app.get("/faults", (c) => c.json({ faults: deps.faults.list(), history: deps.faults.history }));
  app.post("/faults", async (c) => {
    // One rule, a list of rules, or `{ faults: [...] }`.
    const raw = await readJson(c.req.raw);
    const list = Array.isArray(raw)
      ? raw
      : raw && typeof raw === "object" && "faults" in raw
      ? (raw as { faults: unknown }).faults
      : [raw];
    const parsed = z.array(FaultSpec).min(1).safeParse(list);
    if (!parsed.success) return bad(parsed.error);
    const ids = parsed.data.map((f) => deps.faults.add(f));
    return c.json({ ids, faults: deps.faults.list() }, 201);
  });
  app.delete("/faults", (c) => {
    deps.faults.clear();
    return c.json({ faults: [] });
  });

  // Secrets never leave the server: targets are listed by URL and events only.
  const listTargets = () =>
    deps.webhooks.targets.map((t) => ({ url: t.url, events: t.events ?? null }));
  app.get("/webhooks", (c) => c.json({ targets: listTargets(), pending: deps.webhooks.pending }));
  app.post("/webhooks", async (c) => {
    const body = await parse(Target, c.req.raw);
    if (!body.success) return bad(body.error);
    deps.webhooks.add(body.data);
    return c.json({ targets: listTargets() }, 201);
  });
  app.delete("/webhooks", (c) => {
    deps.webhooks.clear();
    return c.json({ targets: [] });
  });
  app.get("/webhooks/deliveries", (c) => c.json({ deliveries: deps.webhooks.deliveries }));
  app.post("/webhooks/idle", async (c) => {
    await deps.webhooks.idle();
    return c.json({ pending: 0, deliveries: deps.webhooks.deliveries.length });
  });
  return app;
}

/**
 * The held deactivations' routes, behind the admin rule (app.ts): the JSON
 * API (`GET /api/v1/scim/held`, `POST /api/v1/scim/held/apply` and
 * `/reject`) and the page's (`GET /modules/sync/held`, its confirmation and
 * its decision, plain form POSTs). Every decision goes through
 * held/decisions.ts; "all" is decided only for the number the caller
 * confirmed, and on exactly the items counted.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { HeldItem, HeldStatus } from "../documents/held-item.ts";
import type { HeldDecisions } from "../held/decisions.ts";
import type { HeldPage as HeldPageRows } from "../store/held-store.ts";
import { sameOrigin } from "./auth.ts";
import { HeldPage, type PendingDecision } from "./held-confirm.tsx";
import {
  HELD_PAGE_SIZE,
  HeldDecisionBody,
  heldDecisionJson,
  HeldForm,
  heldItemJson,
  type HeldListAnswer,
  HeldListQuery,
} from "./held-answers.ts";
import type { HeldPanelData } from "./held-panel.tsx";
import { PAGE_CSP } from "./page-assets.ts";
import { type TimeFormat, UTC_FORMAT } from "./page-format.tsx";

/** Dependencies of {@linkcode createHeldRoutes}. */
export interface HeldRoutesDeps {
  /** One page of items of a status (store/held-store.ts). */
  page(pageNo: number, size: number, status?: HeldStatus): Promise<HeldPageRows>;
  /** Items still held by key, or all of them. */
  held(keys?: readonly string[]): Promise<HeldItem[]>;
  decisions: Pick<HeldDecisions, "approve" | "reject">;
  /** The zone the page prints times in (PAGE_TIME_ZONE). @default UTC */
  zone?: TimeFormat;
}

/**
 * The panel's data for a page, the page number kept within the pages there are.
 *
 * @example
 * ```ts
 * const data = await heldPanelData(store.page, 2);
 * ```
 */
export async function heldPanelData(
  page: HeldRoutesDeps["page"],
  pageNo = 1,
): Promise<HeldPanelData> {
  let rows = await page(pageNo, HELD_PAGE_SIZE);
  const last = Math.max(1, Math.ceil(rows.total / HELD_PAGE_SIZE));
  if (pageNo > last) rows = await page(pageNo = last, HELD_PAGE_SIZE);
  return { page: pageNo, pageSize: HELD_PAGE_SIZE, total: rows.total, items: rows.items };
}

/**
 * Creates the routes (mount them behind {@linkcode adminAuth}).
 *
 * @example
 * ```ts
 * app.route("/", createHeldRoutes({ page: store.page, held: store.held, decisions }));
 * ```
 */
export function createHeldRoutes(deps: HeldRoutesDeps): Hono {
  const app = new Hono();
  apiRoutes(app, deps);
  pageRoutes(app, deps);
  return app;
}

function apiRoutes(app: Hono, deps: HeldRoutesDeps): void {
  app.get("/api/v1/scim/held", async (c) => {
    const q = HeldListQuery.safeParse(c.req.query());
    if (!q.success) {
      return c.json({
        error: "page must be a number ≥ 1; status held, applied, rejected or cleared",
      }, 400);
    }
    const rows = await deps.page(q.data.page, HELD_PAGE_SIZE, q.data.status);
    const answer: HeldListAnswer = {
      status: q.data.status,
      total: rows.total,
      page: q.data.page,
      pageSize: HELD_PAGE_SIZE,
      pages: Math.ceil(rows.total / HELD_PAGE_SIZE),
      items: rows.items.map(heldItemJson),
    };
    c.header("Cache-Control", "no-store");
    return c.json(answer);
  });
  for (const action of ["apply", "reject"] as const) {
    app.post(`/api/v1/scim/held/${action}`, sameOrigin(), async (c) => {
      const body = HeldDecisionBody.safeParse(await c.req.json().catch(() => null));
      if (!body.success) {
        return c.json({
          error: 'Send { "ids": [...] } (item ids, SSO ids or emails), or { "all": true, ' +
            '"count": N } with N the total GET /api/v1/scim/held shows',
        }, 400);
      }
      const by = body.data.by ? `API (${body.data.by})` : "API";
      let keys: readonly string[];
      if ("all" in body.data) {
        const items = await deps.held();
        if (items.length !== body.data.count) {
          return c.json({
            error: `${items.length} are held now, not ${body.data.count}: confirm that number`,
            total: items.length,
          }, 409);
        }
        keys = items.map((i) => i._id);
      } else keys = body.data.ids;
      const r = action === "apply"
        ? await deps.decisions.approve({ keys }, by)
        : await deps.decisions.reject({ keys }, by);
      return c.json(heldDecisionJson(action, r));
    });
  }
}

/** What a posted form asks for: the action and the items (still held), or why not. */
async function pendingOf(
  deps: HeldRoutesDeps,
  f: HeldForm,
): Promise<PendingDecision | string> {
  const page = f.page ?? 1;
  if (f.one) {
    const [action, ...id] = f.one.split(":") as ["apply" | "reject", ...string[]];
    const items = await deps.held([id.join(":")]);
    return items.length === 0
      ? "That person is no longer held."
      : { action, items, all: false, page };
  }
  if (f.all) {
    return { action: f.all, items: await deps.held(), all: true, sawCount: f.count, page };
  }
  if (!f.action) return "Choose Approve or Reject.";
  if (f.ids.length === 0) {
    return "Select at least one person first (the boxes at the start of each row).";
  }
  const items = await deps.held(f.ids);
  return items.length === 0
    ? "None of them is held any more."
    : { action: f.action, items, all: false, page };
}

function pageRoutes(app: Hono, deps: HeldRoutesDeps): void {
  const zone = deps.zone ?? UTC_FORMAT;
  const render = async (
    c: Context,
    pageNo: number,
    extra: Omit<Parameters<typeof HeldPage>[0], "data" | "zone"> = {},
  ) => {
    const data = await heldPanelData(deps.page, pageNo);
    c.header("Cache-Control", "no-store");
    c.header("Content-Security-Policy", PAGE_CSP);
    return c.html(<HeldPage data={data} zone={zone} {...extra} />);
  };
  const form = async (c: Context) =>
    HeldForm.safeParse(await c.req.parseBody({ all: true }).catch(() => ({})));

  app.get("/modules/sync/held", async (c) => {
    const q = HeldListQuery.safeParse(c.req.query());
    if (!q.success) return c.json({ error: "page must be a number ≥ 1" }, 400);
    return await render(c, q.data.page);
  });
  app.post("/modules/sync/held/confirm", sameOrigin(), async (c) => {
    const f = await form(c);
    if (!f.success) return c.json({ error: "Not a form the held deactivations page sends" }, 400);
    const pending = await pendingOf(deps, f.data);
    const page = f.data.page ?? 1;
    return await render(c, page, typeof pending === "string" ? { error: pending } : { pending });
  });
  app.post("/modules/sync/held/decide", sameOrigin(), async (c) => {
    const f = await form(c);
    if (!f.success) return c.json({ error: "Not a form the held deactivations page sends" }, 400);
    const pending = await pendingOf(deps, f.data);
    const page = f.data.page ?? 1;
    if (typeof pending === "string") return await render(c, page, { error: pending });
    // "All" decides only the number confirmed: a different number asks again.
    if (pending.all && pending.sawCount !== pending.items.length) {
      return await render(c, page, { pending });
    }
    const keys = pending.items.map((i) => i._id);
    const report = pending.action === "apply"
      ? await deps.decisions.approve({ keys }, "sync page")
      : await deps.decisions.reject({ keys }, "sync page");
    return await render(c, page, { outcome: { action: pending.action, report } });
  });
}

/**
 * The Preview's routes, behind the admin rule and same-origin (app.ts):
 * `POST /modules/sync/preview` runs the dry run and answers the page with the
 * first 50 of each list (a form, so it works without JavaScript);
 * `GET /modules/sync/preview/:id?list=users.update` shows one whole list;
 * `…/:id/plan.json` and `…/:id/plan.csv` download the whole plan; and
 * `POST /api/v1/scim/sync/preview` answers JSON (`?all=true`: every entry).
 * The last plan is kept in memory, one per runner: a dry run lists the whole
 * SSO, so "show all" and the downloads reuse it instead of asking again.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { previewCsv } from "../preview/preview-csv.ts";
import { limitPreview, PREVIEW_SHOWN, type SyncPreview } from "../preview/sync-preview.ts";
import { sameOrigin } from "./auth.ts";
import { PAGE_CSP } from "./page-assets.ts";
import { loadSyncPage } from "./page-data.ts";
import { UTC_FORMAT } from "./page-format.tsx";
import { BackLink, PageShell } from "./page-shell.tsx";
import { LIST_TITLES, type PlanAction, PlanList } from "./preview-panel.tsx";
import { SyncPage } from "./status-page.tsx";
import type { SyncRoutesDeps } from "./sync-routes.tsx";

/** `?list=` of "show all". */
export const PreviewListQuery = z.object({
  list: z.enum([
    "users.create",
    "users.update",
    "users.deactivate",
    "orgUnits.create",
    "orgUnits.update",
    "orgUnits.deactivate",
    "users.link",
    "users.match",
  ]),
});
/** `POST /api/v1/scim/sync/preview?all=true` answers every entry, not the first 50. */
export const PreviewApiQuery = z.object({ all: z.enum(["true", "false"]).optional() });
/** A kept plan's id. */
export const PreviewId = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/) });

/** The last plan this runner computed. */
interface Kept {
  id: string;
  plan: SyncPreview;
}

/**
 * The plan for this request, or null when its caller left (the preview then goes on only
 * for its other callers, if any). A preview lists the whole directory on the previews' share
 * of the rate budget, so it may take minutes: Bun's idle timeout (10 s) must not cut it.
 */
async function previewFor(
  c: Context,
  preview: NonNullable<SyncRoutesDeps["preview"]>,
): Promise<SyncPreview | null> {
  (c.env as { timeout?: (req: Request, seconds: number) => void } | undefined)?.timeout?.(
    c.req.raw,
    0,
  );
  const signal = c.req.raw.signal;
  try {
    return await preview(signal);
  } catch (e) {
    if (signal.aborted) return null;
    throw e;
  }
}

/** What a request whose caller left gets (nobody reads it; nginx's "client closed request"). */
const callerLeft = () => new Response(null, { status: 499 });

/**
 * Mounts the preview routes on `app`.
 *
 * @example
 * ```ts
 * previewRoutes(app, deps);
 * ```
 */
export function previewRoutes(app: Hono, deps: SyncRoutesDeps): void {
  const preview = deps.preview;
  let kept: Kept | null = null;
  const run = async (c: Context): Promise<Kept | null> => {
    const plan = await previewFor(c, preview!);
    if (!plan) return null;
    kept = { id: crypto.randomUUID(), plan };
    return kept;
  };
  app.post("/api/v1/scim/sync/preview", sameOrigin(), async (c) => {
    const q = PreviewApiQuery.safeParse(c.req.query());
    if (!q.success) return c.json({ error: "all must be true or false" }, 400);
    if (!preview) return c.json({ error: "Preview is not available on this runner" }, 404);
    const k = await run(c);
    if (!k) return callerLeft();
    const { plan } = k;
    c.header("Cache-Control", "no-store");
    return c.json(q.data.all === "true" ? plan : limitPreview(plan, PREVIEW_SHOWN));
  });
  app.post("/modules/sync/preview", sameOrigin(), async (c) => {
    if (!preview) return c.redirect("/modules/sync", 303);
    const k = await run(c);
    if (!k) return callerLeft();
    const { id, plan } = k;
    deps.logger.info("🧪 Preview requested from the sync page", {
      create: plan.users.create.count,
      update: plan.users.update.count,
      deactivate: plan.users.deactivate.count,
    });
    const data = await loadSyncPage(
      { ...deps.page, scheduler: deps.scheduler, now: deps.now },
      null,
    );
    const shown = { ...data, preview: limitPreview(plan, PREVIEW_SHOWN), previewId: id };
    c.header("Cache-Control", "no-store");
    c.header("Content-Security-Policy", PAGE_CSP);
    return c.html(<SyncPage data={shown} canPreview zone={deps.zone ?? UTC_FORMAT} />);
  });
  keptRoutes(app, deps, () => kept);
}

const GONE = "This preview is no longer kept (a newer one replaced it, or the runner restarted): " +
  "run Preview again.";

/** "Show all" and the downloads of the kept plan. */
function keptRoutes(app: Hono, deps: SyncRoutesDeps, kept: () => Kept | null): void {
  const find = (id: string) => {
    const k = kept();
    return k && k.id === id ? k : null;
  };
  app.get("/modules/sync/preview/:id/plan.json", (c) => {
    const p = PreviewId.safeParse(c.req.param());
    const k = p.success ? find(p.data.id) : null;
    if (!k) return c.json({ error: GONE }, 404);
    c.header("Content-Disposition", `attachment; filename="sync-preview-${k.id}.json"`);
    return c.json(k.plan);
  });
  app.get("/modules/sync/preview/:id/plan.csv", (c) => {
    const p = PreviewId.safeParse(c.req.param());
    const k = p.success ? find(p.data.id) : null;
    if (!k) return c.json({ error: GONE }, 404);
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="sync-preview-${k.id}.csv"`);
    return c.body(previewCsv(k.plan));
  });
  app.get("/modules/sync/preview/:id", (c) => {
    const p = PreviewId.safeParse(c.req.param());
    const q = PreviewListQuery.safeParse(c.req.query());
    if (!q.success) return c.json({ error: "list must name a list of the plan" }, 400);
    const k = p.success ? find(p.data.id) : null;
    c.header("Cache-Control", "no-store");
    c.header("Content-Security-Policy", PAGE_CSP);
    if (!k) return c.html(<GonePage />, 404);
    const [kind, action] = q.data.list.split(".") as ["users" | "orgUnits", PlanAction];
    const title = `${kind === "users" ? "Users" : "Org units"} ${LIST_TITLES[action]}`;
    return c.html(
      <PageShell title={title} heading={title} sub={<BackLink />} zone={deps.zone ?? UTC_FORMAT}>
        <section class="card" id="preview-list">
          <PlanList
            p={k.plan}
            kind={kind}
            action={action}
            title="All"
            previewId={null}
          />
        </section>
      </PageShell>,
    );
  });
}

const GonePage = () => (
  <PageShell title="Preview gone" heading="Preview gone" sub={<BackLink />}>
    <section class="card">
      <p>{GONE}</p>
    </section>
  </PageShell>
);

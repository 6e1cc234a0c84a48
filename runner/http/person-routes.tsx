/**
 * The person routes, behind the admin rule (app.ts): the inspector as JSON
 * (`GET /api/v1/scim/people/:key`), provision on demand as JSON
 * (`POST /api/v1/scim/people/:key/sync`), the search by name as JSON
 * (`GET /api/v1/scim/people?q=`), and their pages: the search's result list
 * (`GET /modules/sync/people?q=`), the person view and its "Sync now" form
 * POST (a redirect back, so a reload never syncs again). Provision on demand
 * for one org unit, by SCIM Group id or unit name, as JSON
 * (`POST /api/v1/scim/org-units/:key/sync`).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Logger } from "../../shared/logger.ts";
import type { PeopleFound } from "../inspect/find-people.ts";
import type { PersonReport } from "../inspect/inspect-person.ts";
import type { PersonSyncResult } from "../inspect/sync-person.ts";
import type { OrgUnitSyncResult } from "../inspect/sync-org-unit.ts";
import { sameOrigin } from "./auth.ts";
import { PAGE_CSP } from "./page-assets.ts";
import { SyncOutcome } from "./person-answers.ts";
import { type TimeFormat, UTC_FORMAT } from "./page-format.tsx";
import { SearchResultsPage } from "./person-search-view.tsx";
import { type PersonFlash, PersonPage } from "./person-view.tsx";

/** Dependencies of {@linkcode createPersonRoutes}. */
export interface PersonRoutesDeps {
  inspect(key: string): Promise<PersonReport>;
  syncPerson(key: string, options?: { force?: boolean }): Promise<PersonSyncResult>;
  /** One org unit now; without it the org-unit route is not mounted. */
  syncOrgUnit?(key: string, options?: { force?: boolean }): Promise<OrgUnitSyncResult>;
  /** The search by name (inspect/find-people.ts); without it, a search opens the key directly. */
  findPeople?(query: string): Promise<PeopleFound>;
  /** The zone the pages print times in (PAGE_TIME_ZONE). @default UTC */
  zone?: TimeFormat;
  logger: Logger;
}

/** An email, an SSO id or an employee number: printable, bounded. */
export const PersonKey = z.string().trim().min(1).max(320).regex(/^[^\s\x00-\x1f]+$/);
/** The path parameters of every person route (openapi.ts describes them with it). */
export const PersonParams = z.object({ key: PersonKey });
const Key = PersonKey;
/** A SCIM Group id or a unit name: printable, bounded; names may hold spaces ("Finance Team"). */
export const OrgUnitKey = z.string().trim().min(1).max(320).regex(/^[^\x00-\x1f]+$/);
/** The path parameters of the org-unit route (openapi.ts describes them with it). */
export const OrgUnitParams = z.object({ key: OrgUnitKey });
const SearchQuery = z.object({ q: Key });
/** The person view's query: the outcome of a "Sync now" it was redirected from. */
export const ViewQuery = z.object({ synced: SyncOutcome.optional() });
/** `POST /api/v1/scim/people/:key/sync?force=true` syncs even what the guard would hold. */
export const SyncQuery = z.object({ force: z.enum(["true", "false"]).optional() });

const STATUS: Record<PersonSyncResult["outcome"], 200 | 404 | 409 | 502> = {
  created: 200,
  updated: 200,
  unchanged: 200,
  deactivated: 200,
  not_found: 404,
  aborted: 409,
  failed: 502,
};

const personPath = (key: string) => `/modules/sync/people/${encodeURIComponent(key)}`;

function flashOf(outcome: PersonSyncResult["outcome"] | undefined): PersonFlash | null {
  if (!outcome) return null;
  if (outcome === "aborted") {
    return {
      kind: "error",
      text: "Not synced: the deletion is held by the accidental-deletion guard.",
    };
  }
  if (outcome === "failed") return { kind: "error", text: "Sync failed; see the history." };
  return { kind: "success", text: `Synced now: ${outcome.replace("_", " ")}.` };
}

/**
 * Creates the person routes (mount them behind the admin rule).
 *
 * @example
 * ```ts
 * app.route("/", createPersonRoutes({ inspect: runtime.inspect, syncPerson: runtime.syncPerson, logger }));
 * ```
 */
export function createPersonRoutes(deps: PersonRoutesDeps): Hono {
  const app = new Hono();
  app.get("/api/v1/scim/people/:key", async (c) => {
    const key = Key.safeParse(c.req.param("key"));
    if (!key.success) return c.json({ error: "key must be an email, an id or a number" }, 400);
    const report = await deps.inspect(key.data);
    c.header("Cache-Control", "no-store");
    return c.json(report, report.ofm === null && report.live.kind === "absent" ? 404 : 200);
  });
  app.post("/api/v1/scim/people/:key/sync", sameOrigin(), async (c) => {
    const key = Key.safeParse(c.req.param("key"));
    const q = SyncQuery.safeParse(c.req.query());
    if (!key.success || !q.success) return c.json({ error: "bad key or force" }, 400);
    const r = await deps.syncPerson(key.data, { force: q.data.force === "true" });
    deps.logger.info("👤 On-demand sync requested from the HTTP API", { outcome: r.outcome });
    return c.json(r, STATUS[r.outcome]);
  });
  const syncOrgUnit = deps.syncOrgUnit;
  if (syncOrgUnit) {
    app.post("/api/v1/scim/org-units/:key/sync", sameOrigin(), async (c) => {
      const key = OrgUnitKey.safeParse(c.req.param("key"));
      const q = SyncQuery.safeParse(c.req.query());
      if (!key.success || !q.success) return c.json({ error: "bad key or force" }, 400);
      const r = await syncOrgUnit(key.data, { force: q.data.force === "true" });
      deps.logger.info("🏢 On-demand org-unit sync requested from the HTTP API", {
        outcome: r.outcome,
      });
      return c.json(r, STATUS[r.outcome]);
    });
  }
  searchRoutes(app, deps);
  app.get("/modules/sync/people/:key", async (c) => {
    const key = Key.safeParse(c.req.param("key"));
    const q = ViewQuery.safeParse(c.req.query());
    if (!key.success || !q.success) return c.json({ error: "bad key or query" }, 400);
    const report = await deps.inspect(key.data);
    c.header("Cache-Control", "no-store");
    c.header("Content-Security-Policy", PAGE_CSP);
    return c.html(
      <PersonPage report={report} flash={flashOf(q.data.synced)} zone={deps.zone ?? UTC_FORMAT} />,
    );
  });
  app.post("/modules/sync/people/:key/sync", sameOrigin(), async (c) => {
    const key = Key.safeParse(c.req.param("key"));
    if (!key.success) return c.json({ error: "bad key" }, 400);
    const r = await deps.syncPerson(key.data);
    deps.logger.info("👤 On-demand sync requested from the sync page", { outcome: r.outcome });
    return c.redirect(`${personPath(key.data)}?synced=${r.outcome}`, 303);
  });
  return app;
}

/** One hit that is exactly the key typed (an email or an SSO id): the person, not a list of one. */
const exactHit = (found: PeopleFound): string | null => {
  const q = found.query.toLowerCase();
  const only = found.people.length === 1 ? found.people[0]! : null;
  return only && (only.email.toLowerCase() === q || only.ssoUserId.toLowerCase() === q)
    ? only.ssoUserId
    : null;
};

/** The search by name: the result list on the page, the same as JSON. */
function searchRoutes(app: Hono, deps: PersonRoutesDeps): void {
  const find = deps.findPeople;
  app.get("/api/v1/scim/people", async (c) => {
    const q = SearchQuery.safeParse(c.req.query());
    if (!q.success) {
      return c.json({ error: "q must be the start of a name, an email or an id" }, 400);
    }
    if (!find) return c.json({ error: "Search is not available on this runner" }, 404);
    c.header("Cache-Control", "no-store");
    return c.json(await find(q.data.q));
  });
  app.get("/modules/sync/people", async (c) => {
    const q = SearchQuery.safeParse(c.req.query());
    if (!q.success) return c.redirect("/modules/sync", 303);
    if (!find) return c.redirect(personPath(q.data.q), 303);
    const found = await find(q.data.q);
    // An email nobody in OFM has may still be in the SSO: the inspector asks it by userName.
    const direct = found.people.length === 0 && found.query.includes("@");
    const exact = found.exact ?? (direct ? found.query : exactHit(found));
    if (exact) return c.redirect(personPath(exact), 303);
    c.header("Cache-Control", "no-store");
    c.header("Content-Security-Policy", PAGE_CSP);
    return c.html(<SearchResultsPage found={found} zone={deps.zone ?? UTC_FORMAT} />);
  });
}

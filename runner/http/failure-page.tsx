/**
 * The page an operator sees when a page cannot be built because MongoDB or
 * the SSO does not answer: what is down, the error, and what to check — not
 * a raw `{"error": …}`. The JSON API keeps its JSON answers (app.ts decides
 * by the path). No script, no data but the error's message (escaped).
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { Mark } from "./marks.tsx";
import { BackLink, PageShell } from "./page-shell.tsx";

/** What is down. */
export type Outage = "mongodb" | "sso" | "unknown";

const WHAT: Record<Outage, { title: string; lead: string; checks: string[] }> = {
  mongodb: {
    title: "MongoDB is not answering",
    lead: "The runner could not read or write OFM's database, so this page cannot be shown. " +
      "Nothing was changed.",
    checks: [
      "that MongoDB is running and reachable from the runner (MONGODB_URI, MONGODB_DB)",
      "the runner's log for the driver's error (\"MongoDB unavailable while serving a request\")",
      "GET /health, which reports the database's state",
    ],
  },
  sso: {
    title: "Aksara SSO is not answering",
    lead: "The runner could not reach the SSO, so this page cannot be shown. Nothing was changed.",
    checks: [
      "that Aksara SSO is running (SSO_BASE_URL, SCIM_BASE_URL)",
      "that the SCIM client credentials are correct (SCIM_CLIENT_ID, SCIM_CLIENT_SECRET)",
      "that no firewall blocks the connection",
    ],
  },
  unknown: {
    title: "Something went wrong",
    lead: "The runner could not build this page. Nothing was changed.",
    checks: ['the runner\'s log ("Unhandled error while serving a request")', "GET /health"],
  },
};

/**
 * The failure page.
 *
 * @example
 * ```tsx
 * c.html(<FailurePage outage="mongodb" message={err.message} />, 503);
 * ```
 */
export function FailurePage({ outage, message }: { outage: Outage; message: string }): Child {
  const w = WHAT[outage];
  return (
    <PageShell title={w.title} heading={w.title} sub={<BackLink />}>
      <section class="card" id="failure" data-outage={outage}>
        <div class="box bad" role="alert">
          <strong>
            <Mark name="bad" /> {w.title}
          </strong>
          <p>{w.lead}</p>
          <div class="err">{message}</div>
        </div>
        <p>Check:</p>
        <ul>
          {w.checks.map((c) => <li>{c}</li>)}
        </ul>
        <p>
          <a href="">Try again</a>
        </p>
      </section>
    </PageShell>
  );
}

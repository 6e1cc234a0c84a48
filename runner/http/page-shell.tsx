/**
 * The frame every server-rendered page shares: the document head with the
 * inline stylesheet, the header (title, a line under it, a link back), the
 * page's time zone for every `<Time>` inside, and an optional script (allowed
 * by its hash in the CSP, page-assets.ts).
 *
 * @module
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { PAGE_CSS } from "./page-assets.ts";
import { PageZone, type TimeFormat, UTC_FORMAT } from "./page-format.tsx";

/** What {@linkcode PageShell} draws around a page's cards. */
export interface ShellProps {
  /** The document title, before " · SCIM Sync · OFM". */
  title: string;
  heading: Child;
  /** The line beside the heading. */
  sub?: Child;
  zone?: TimeFormat;
  /** Extra head elements (a refresh while a run lasts). */
  head?: Child;
  /** The page's one inline script, if any. */
  script?: string;
  children: Child;
}

/**
 * A whole HTML page.
 *
 * @example
 * ```tsx
 * c.html(<PageShell title="Find a person" heading="Find a person" zone={zone}>{cards}</PageShell>);
 * ```
 */
export function PageShell(p: ShellProps): Child {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{p.title} · SCIM Sync · OFM</title>
        {p.head ?? null}
        <style>{raw(PAGE_CSS)}</style>
      </head>
      <body>
        <PageZone.Provider value={p.zone ?? UTC_FORMAT}>
          <main>
            <header>
              <h1>{p.heading}</h1>
              {p.sub ? <span class="sub">{p.sub}</span> : null}
            </header>
            {p.children}
          </main>
        </PageZone.Provider>
        {p.script ? <script>{raw(p.script)}</script> : null}
      </body>
    </html>
  );
}

/**
 * The link back to the sync page, for the header of every other page.
 *
 * @example
 * ```tsx
 * <PageShell title="…" heading="…" sub={<BackLink />}>…</PageShell>
 * ```
 */
export const BackLink = () => <a href="/modules/sync">← SCIM Synchronization</a>;

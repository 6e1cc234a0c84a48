/**
 * Walking a SCIM listing page by page: RFC 7644 index paging (1-based
 * startIndex, advancing by what came back, since a server may return fewer
 * than asked) or RFC 9865 cursors. Each page is checked by the listing proof,
 * which stops a listing that would not end; the generator's return value says
 * whether the listing is proven complete.
 *
 * @module
 */
import { ScimResponseError } from "../../shared/errors.ts";
import { ListResponse } from "../../shared/scim-schemas.ts";
import { createListingProof, type ListingEnd } from "./listing-proof.ts";

/** One fetched page of a listing. */
export interface ScimPage {
  /**
   * The page's resources, less those whose id an earlier one in this listing had: offset
   * pages shift when the directory changes mid-listing, and a repeat proves nothing new.
   */
  resources: unknown[];
  totalResults: number;
  /** 1-based page number in this listing. */
  pageNo: number;
  /** Resources fetched so far, this page included. */
  fetched: number;
}

/** How to list. */
export interface ListOptions {
  filter?: string;
  /** Page size asked for; the server may return fewer. */
  count: number;
  /** Use RFC 9865 cursors. */
  cursor?: boolean;
  signal?: AbortSignal;
  /**
   * Where the listing's proof keeps the ids it has seen (a new set when absent). A caller
   * that needs them after the listing passes its own: at a million people one set of ids is
   * ~40 MB, and the sync would otherwise keep a second one of the same ids.
   */
  ids?: Set<string>;
}

/** The GET the pager uses (the client's, with auth, limits and retries). */
export type PageGet = (
  path: string,
  query: Record<string, string>,
  signal?: AbortSignal,
) => Promise<unknown>;

/** Pages of a listing; the return value says whether it is proven complete. */
export type Pages = AsyncGenerator<ScimPage, ListingEnd>;

function parsePage(json: unknown, label: string): ListResponse {
  const parsed = ListResponse.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScimResponseError(label, `${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * Index paging. Advances by the resources each page held (a server may serve
 * fewer than asked, and its `itemsPerPage` may say the `count` asked instead).
 * A listing whose announced range ends on a full page is asked once more past
 * the end (see listing-proof.ts); that page is yielded only when it brings
 * resources not seen before.
 *
 * @throws {import("./listing-proof.ts").ListingRunawayError} when the listing would not end
 * @example
 * ```ts
 * for await (const page of indexPages(get, "Users", { count: 1000 })) console.log(page.fetched);
 * ```
 */
export async function* indexPages(get: PageGet, resource: string, opts: ListOptions): Pages {
  const query = (start: number): Record<string, string> => ({
    startIndex: String(start),
    count: String(opts.count),
    ...(opts.filter ? { filter: opts.filter } : {}),
  });
  const proof = createListingProof(resource, "index", opts.ids);
  let start = 1;
  let fetched = 0;
  let pageNo = 0;
  let next = get(`/${resource}`, query(start), opts.signal);
  for (;;) {
    const page = parsePage(await next, `GET /${resource}?startIndex=${start}`);
    pageNo++;
    const fresh: unknown[] = [];
    const verdict = proof.page({
      resources: page.Resources,
      totalResults: page.totalResults,
      asked: opts.count,
    }, fresh);
    if (verdict === "past-end") return proof.end();
    const n = page.Resources.length;
    fetched += n;
    start += n;
    if (verdict === "more") {
      // Prefetch the next page while the caller maps and writes this one.
      next = get(`/${resource}`, query(start), opts.signal);
      // Unhandled until awaited; a consumer that stops early must not crash the process.
      next.catch(() => {});
    }
    yield { resources: fresh, totalResults: page.totalResults, pageNo, fetched };
    if (verdict === "end") return proof.end();
  }
}

/**
 * RFC 9865 cursor paging.
 *
 * @throws {import("./listing-proof.ts").ListingRunawayError} when a cursor repeats or the listing would not end
 * @example
 * ```ts
 * for await (const page of cursorPages(get, "Users", { count: 1000, cursor: true })) console.log(page.fetched);
 * ```
 */
export async function* cursorPages(get: PageGet, resource: string, opts: ListOptions): Pages {
  const proof = createListingProof(resource, "cursor", opts.ids);
  let cursor = "";
  let fetched = 0;
  let pageNo = 0;
  for (;;) {
    const q: Record<string, string> = { cursor, count: String(opts.count) };
    if (opts.filter) q.filter = opts.filter;
    const page = parsePage(await get(`/${resource}`, q, opts.signal), `GET /${resource}?cursor`);
    pageNo++;
    const fresh: unknown[] = [];
    const verdict = proof.page({
      resources: page.Resources,
      totalResults: page.totalResults,
      nextCursor: page.nextCursor,
    }, fresh);
    if (verdict === "past-end") return proof.end();
    fetched += page.Resources.length;
    yield { resources: fresh, totalResults: page.totalResults, pageNo, fetched };
    if (verdict === "end") return proof.end();
    cursor = page.nextCursor ?? "";
  }
}

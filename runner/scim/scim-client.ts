/**
 * The SCIM 2.0 client: authenticated, rate-limited, retried GETs against the
 * SSO, the ServiceProviderConfig connection check, and paged listings that
 * follow RFC 7644 (1-based startIndex, short pages allowed) or RFC 9865 cursors.
 *
 * @module
 */
import {
  ConnectionFailedError,
  ScimHttpError,
  ScimResponseError,
  ScimSyncError,
} from "../../shared/errors.ts";
import { ListResponse, ScimErrorBody, ServiceProviderConfig } from "../../shared/scim-schemas.ts";
import { sleep } from "../../shared/sleep.ts";
import { parseRetryAfter, RetryableError, withRetry } from "../../shared/retry.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { reason, type TokenProvider } from "./token-provider.ts";

/** One fetched page of a listing. */
export interface ScimPage {
  resources: unknown[];
  totalResults: number;
  /** 1-based page number in this listing. */
  pageNo: number;
  /** Resources fetched so far, this page included. */
  fetched: number;
}

export interface ListOptions {
  filter?: string;
  /** Page size asked for; the server may return fewer. */
  count: number;
  /** Use RFC 9865 cursors. */
  cursor?: boolean;
  signal?: AbortSignal;
}

/** Options of {@linkcode createScimClient}. */
export interface ScimClientOptions {
  baseUrl: string;
  tokens: TokenProvider;
  limiter: RateLimiter;
  timeoutMs: number;
  maxRetries: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Counts requests and retries (metrics). */
  onRequest?: (info: { path: string; status: number | "error"; retry: boolean }) => void;
}

export interface ScimClient {
  serviceProviderConfig(signal?: AbortSignal): Promise<ServiceProviderConfig>;
  /** Yields pages in order until the listing is complete. */
  pages(resource: "Users" | "Groups", options: ListOptions): AsyncGenerator<ScimPage>;
  /** One GET returning parsed JSON. */
  get(path: string, query?: Record<string, string>, signal?: AbortSignal): Promise<unknown>;
}

/**
 * Creates a SCIM client.
 *
 * @example
 * ```ts
 * const client = createScimClient({ baseUrl, tokens, limiter, timeoutMs: 30_000, maxRetries: 5 });
 * for await (const page of client.pages("Users", { count: 1000 })) console.log(page.fetched);
 * ```
 */
export function createScimClient(options: ScimClientOptions): ScimClient {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, "");

  async function get(path: string, query: Record<string, string> = {}, signal?: AbortSignal) {
    const url = new URL(`${base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const label = `GET ${path}${url.search}`;
    let refreshed = false;
    return await withRetry(async (attempt) => {
      await options.limiter.take(signal);
      let token: string;
      try {
        token = await options.tokens.get(signal);
      } catch (e) {
        if (e instanceof ConnectionFailedError) throw new RetryableError(e);
        throw e;
      }
      const timeout = AbortSignal.timeout(options.timeoutMs);
      let res: Response;
      try {
        res = await doFetch(url, {
          headers: { Authorization: `Bearer ${token}`, Accept: "application/scim+json, application/json" },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        options.onRequest?.({ path, status: "error", retry: attempt > 0 });
        throw new RetryableError(new ConnectionFailedError(url.origin + url.pathname, reason(e), { cause: e }));
      }
      options.onRequest?.({ path, status: res.status, retry: attempt > 0 });
      let text: string;
      try {
        text = await res.text();
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        // The connection was cut mid-body.
        throw new RetryableError(
          new ConnectionFailedError(url.origin + url.pathname, `response cut: ${reason(e)}`, { cause: e }),
        );
      }
      if (res.status === 401 && options.tokens.refreshable && !refreshed) {
        refreshed = true;
        options.tokens.invalidate();
        throw new RetryableError(httpError(label, res.status, text), 0);
      }
      if (res.status === 429 || res.status === 408 || res.status >= 500) {
        const after = parseRetryAfter(res.headers.get("retry-after"), Date.now());
        throw new RetryableError(httpError(label, res.status, text), after);
      }
      if (!res.ok) throw httpError(label, res.status, text);
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new RetryableError(new ScimResponseError(label, "body is not JSON", { cause: e }));
      }
    }, {
      maxRetries: options.maxRetries,
      signal,
      sleep: options.sleep ?? sleep,
    });
  }

  return {
    get,
    async serviceProviderConfig(signal) {
      const json = await get("/ServiceProviderConfig", {}, signal);
      const parsed = ServiceProviderConfig.safeParse(json);
      if (!parsed.success) {
        throw new ScimResponseError("GET /ServiceProviderConfig", parsed.error.issues[0]?.message ?? "invalid");
      }
      return parsed.data;
    },
    pages(resource, opts) {
      return opts.cursor ? cursorPages(get, resource, opts) : indexPages(get, resource, opts);
    },
  };
}

type Get = ScimClient["get"];

function parsePage(json: unknown, label: string): ListResponse {
  const parsed = ListResponse.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScimResponseError(label, `${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

async function* indexPages(get: Get, resource: string, opts: ListOptions): AsyncGenerator<ScimPage> {
  const query = (start: number): Record<string, string> => ({
    startIndex: String(start),
    count: String(opts.count),
    ...(opts.filter ? { filter: opts.filter } : {}),
  });
  let start = 1;
  let fetched = 0;
  let pageNo = 0;
  let next = get(`/${resource}`, query(start), opts.signal);
  for (;;) {
    const page = parsePage(await next, `GET /${resource}?startIndex=${start}`);
    pageNo++;
    const n = page.Resources.length;
    fetched += n;
    start += n;
    // A server may return fewer than asked (RFC 7644 §3.4.2.4): advance by what came.
    const done = n === 0 || start > page.totalResults;
    // Prefetch the next page while the caller maps and writes this one.
    if (!done) {
      next = get(`/${resource}`, query(start), opts.signal);
      // Unhandled until awaited; a consumer that stops early must not crash the process.
      next.catch(() => {});
    }
    yield { resources: page.Resources, totalResults: page.totalResults, pageNo, fetched };
    if (done) return;
  }
}

async function* cursorPages(get: Get, resource: string, opts: ListOptions): AsyncGenerator<ScimPage> {
  let cursor = "";
  let fetched = 0;
  let pageNo = 0;
  for (;;) {
    const q: Record<string, string> = { cursor, count: String(opts.count) };
    if (opts.filter) q.filter = opts.filter;
    const page = parsePage(await get(`/${resource}`, q, opts.signal), `GET /${resource}?cursor`);
    pageNo++;
    fetched += page.Resources.length;
    yield { resources: page.Resources, totalResults: page.totalResults, pageNo, fetched };
    if (!page.nextCursor || page.Resources.length === 0) return;
    cursor = page.nextCursor;
  }
}

function httpError(label: string, status: number, text: string): ScimSyncError {
  let detail: string | undefined;
  let scimType: string | undefined;
  try {
    const body = ScimErrorBody.safeParse(JSON.parse(text));
    if (body.success) {
      detail = body.data.detail;
      scimType = body.data.scimType;
    }
  } catch {
    // Not a SCIM error body; keep the status alone.
  }
  return new ScimHttpError(label, status, detail?.slice(0, 500), { scimType });
}

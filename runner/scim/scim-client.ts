/**
 * The SCIM 2.0 client: authenticated, rate-limited, retried GETs against the
 * SSO, the ServiceProviderConfig connection check, and paged listings that
 * follow RFC 7644 (1-based startIndex, short pages allowed) or RFC 9865 cursors
 * (paging.ts, proven by listing-proof.ts). Every body is read with a cap on its
 * decoded size (bounded-body.ts) and no redirect leaves the SSO's origin
 * (redirects.ts).
 *
 * @module
 */
import {
  ConnectionFailedError,
  ScimHttpError,
  ScimResponseError,
  ScimSyncError,
} from "../../shared/errors.ts";
import { ScimErrorBody, ServiceProviderConfig } from "../../shared/scim-schemas.ts";
import { sleep } from "../../shared/sleep.ts";
import { parseRetryAfter, RetryableError, withRetry } from "../../shared/retry.ts";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  readBoundedText,
  ResponseTooLargeError,
} from "./bounded-body.ts";
import { cursorPages, indexPages, type ListOptions, type Pages } from "./paging.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import {
  isRedirect,
  MAX_SAME_ORIGIN_REDIRECTS,
  RedirectRefusedError,
  redirectTarget,
  shownUrl,
} from "./redirects.ts";
import { reason, type TokenProvider } from "./token-provider.ts";

export type { ListOptions, ScimPage } from "./paging.ts";

/** Options of {@linkcode createScimClient}. */
export interface ScimClientOptions {
  baseUrl: string;
  tokens: TokenProvider;
  limiter: RateLimiter;
  timeoutMs: number;
  maxRetries: number;
  /** Cap on a response's decoded size (SCIM_MAX_RESPONSE_BYTES). @default 32 MiB */
  maxResponseBytes?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Counts requests and retries (metrics). */
  onRequest?: (info: { path: string; status: number | "error"; retry: boolean }) => void;
}

export interface ScimClient {
  serviceProviderConfig(signal?: AbortSignal): Promise<ServiceProviderConfig>;
  /**
   * Yields pages in order until the listing ends; returns whether it is proven complete.
   * Throws ListingRunawayError for a listing that would not end.
   */
  pages(resource: "Users" | "Groups", options: ListOptions): Pages;
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
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const origin = new URL(base).origin;

  /** One GET with redirects handled here: same origin only, a few hops (redirects.ts). */
  async function send(
    url: URL,
    label: string,
    token: string,
    signal: AbortSignal,
  ): Promise<Response> {
    let target = url;
    for (let hop = 0;; hop++) {
      const res = await doFetch(target, {
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: "application/scim+json, application/json",
        },
        redirect: "manual",
        signal,
      });
      if (!isRedirect(res.status)) return res;
      await res.body?.cancel().catch(() => {});
      const next = redirectTarget(res, target);
      if (next === null) {
        throw new RedirectRefusedError(label, res.status, "", "no usable Location");
      }
      if (next.origin !== origin) {
        throw new RedirectRefusedError(
          label,
          res.status,
          shownUrl(next),
          `${next.origin} is not the SSO's origin ${origin}`,
        );
      }
      if (hop >= MAX_SAME_ORIGIN_REDIRECTS) {
        throw new RedirectRefusedError(
          label,
          res.status,
          shownUrl(next),
          `more than ${MAX_SAME_ORIGIN_REDIRECTS} redirects`,
        );
      }
      target = next;
    }
  }

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
        res = await send(url, label, token, signal ? AbortSignal.any([signal, timeout]) : timeout);
      } catch (e) {
        if (e instanceof RedirectRefusedError) throw e;
        if (signal?.aborted) throw signal.reason;
        options.onRequest?.({ path, status: "error", retry: attempt > 0 });
        throw new RetryableError(
          new ConnectionFailedError(url.origin + url.pathname, reason(e), { cause: e }),
        );
      }
      options.onRequest?.({ path, status: res.status, retry: attempt > 0 });
      let text: string;
      try {
        text = await readBoundedText(res, maxBytes, label);
      } catch (e) {
        if (e instanceof ResponseTooLargeError) throw e;
        if (signal?.aborted) throw signal.reason;
        options.onRequest?.({ path, status: "error", retry: attempt > 0 });
        // The connection was cut mid-body.
        throw new RetryableError(
          new ConnectionFailedError(url.origin + url.pathname, `response cut: ${reason(e)}`, {
            cause: e,
          }),
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
        throw new ScimResponseError(
          "GET /ServiceProviderConfig",
          parsed.error.issues[0]?.message ?? "invalid",
        );
      }
      return parsed.data;
    },
    pages(resource, opts) {
      return opts.cursor ? cursorPages(get, resource, opts) : indexPages(get, resource, opts);
    },
  };
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

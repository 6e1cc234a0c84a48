/**
 * The SCIM 2.0 client: authenticated, rate-limited, retried GETs against the
 * SSO (request.ts), the ServiceProviderConfig connection check, and paged
 * listings that follow RFC 7644 (1-based startIndex, short pages allowed) or
 * RFC 9865 cursors (paging.ts, proven by listing-proof.ts).
 *
 * @module
 */
import { isScimNotFound, ScimResponseError } from "../../shared/errors.ts";
import { ServiceProviderConfig } from "../../shared/scim-schemas.ts";
import { cursorPages, indexPages, type ListOptions, type Pages } from "./paging.ts";
import { createRequest, type RequestOptions } from "./request.ts";

export type { ListOptions, ScimPage } from "./paging.ts";

/** Options of {@linkcode createScimClient}: those of one request (request.ts). */
export type ScimClientOptions = RequestOptions;

export interface ScimClient {
  serviceProviderConfig(signal?: AbortSignal): Promise<ServiceProviderConfig>;
  /**
   * Yields pages in order until the listing ends; returns whether it is proven complete.
   * Throws ListingRunawayError for a listing that would not end.
   */
  pages(resource: "Users" | "Groups", options: ListOptions): Pages;
  /** One GET returning parsed JSON. */
  get(path: string, query?: Record<string, string>, signal?: AbortSignal): Promise<unknown>;
  /**
   * `GET /Users/{id}` (or `/Groups/{id}`) with the same bounded, retried request:
   * the raw resource, or null when the SSO answers 404 with a SCIM error body (not
   * present). Any other 404 (an HTML page, an empty body) throws: it proves nothing.
   */
  getResource(type: "Users" | "Groups", id: string, signal?: AbortSignal): Promise<unknown | null>;
  /** Requests this client sent to the SSO (every attempt, retries included; not the token endpoint's). */
  readonly requestsSent: number;
  /**
   * A client over the same token, pacing and options that counts apart: what one run
   * sends, whatever else the process sends meanwhile. Its requests count here too.
   */
  counted(): ScimClient;
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
  let sent = 0;
  const get = createRequest({
    ...options,
    onRequest: (info) => {
      sent++;
      options.onRequest?.(info);
    },
  });
  return {
    get,
    get requestsSent() {
      return sent;
    },
    counted: () =>
      createScimClient({
        ...options,
        onRequest: (info) => {
          sent++;
          options.onRequest?.(info);
        },
      }),
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
    async getResource(type, id, signal) {
      try {
        return await get(`/${type}/${encodeURIComponent(id)}`, {}, signal);
      } catch (e) {
        if (isScimNotFound(e)) return null;
        throw e;
      }
    },
    pages(resource, opts) {
      return opts.cursor ? cursorPages(get, resource, opts) : indexPages(get, resource, opts);
    },
  };
}

/**
 * Redirects and credentials. `fetch` would re-send a POST's body (the client
 * secret) on 307/308 and, in some runtimes, the Authorization header to any
 * host; so every SSO request is sent with `redirect: "manual"` and this module
 * decides: the token request follows none, a SCIM GET follows only redirects
 * that stay on the SSO's own origin, a few hops at most.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";

/** Same-origin redirects a SCIM GET follows before giving up. */
export const MAX_SAME_ORIGIN_REDIRECTS = 3;

/**
 * A redirect was refused so that no credential reaches another address.
 * `location` is the target without its query string.
 *
 * @example
 * ```ts
 * throw new RedirectRefusedError("GET /Users", 307, "http://elsewhere.example/scim/v2/Users", "another origin");
 * ```
 */
export class RedirectRefusedError extends ScimSyncError {
  readonly location: string;
  constructor(request: string, status: number, location: string, why: string) {
    super(
      "SCIM_REDIRECT_REFUSED",
      `The SSO answered ${request} with HTTP ${status}, a redirect to ${
        location || "(no Location)"
      }; ` +
        `not followed (${why}), so no credential was sent there. Point the configured URL at the final address.`,
      { status },
    );
    this.location = location;
  }
}

/**
 * Whether a status is a redirect `fetch` would follow.
 *
 * @example
 * ```ts
 * isRedirect(307); // true
 * isRedirect(304); // false
 * ```
 */
export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400 && status !== 304;
}

/**
 * The Location of a redirect resolved against the request URL, or null when
 * absent or not a URL.
 *
 * @example
 * ```ts
 * redirectTarget(res, new URL("http://sso/scim/v2/Users"))?.href;
 * ```
 */
export function redirectTarget(res: Response, from: URL): URL | null {
  const raw = res.headers.get("location");
  if (raw === null) return null;
  try {
    return new URL(raw, from);
  } catch {
    return null;
  }
}

/**
 * A URL for an error message: origin and path, no query (it may carry tokens).
 *
 * @example
 * ```ts
 * shownUrl(new URL("http://x.example/a?token=1")); // "http://x.example/a"
 * ```
 */
export function shownUrl(u: URL | null): string {
  return u ? `${u.origin}${u.pathname}`.slice(0, 300) : "";
}

/**
 * One GET with redirects followed here rather than by `fetch`: to the same
 * origin only, at most {@linkcode MAX_SAME_ORIGIN_REDIRECTS} hops, so the
 * bearer token never reaches another host.
 *
 * @throws {RedirectRefusedError} for a redirect elsewhere, without a Location, or one hop too many
 * @example
 * ```ts
 * const res = await getSameOrigin(fetch, new URL("http://sso/scim/v2/Users"), { label: "GET /Users", token, signal });
 * ```
 */
export async function getSameOrigin(
  doFetch: typeof fetch,
  url: URL,
  o: { label: string; token: string; signal: AbortSignal },
): Promise<Response> {
  const origin = url.origin;
  let target = url;
  for (let hop = 0;; hop++) {
    const res = await doFetch(target, {
      headers: {
        Authorization: `Bearer ${o.token}`,
        Accept: "application/scim+json, application/json",
      },
      redirect: "manual",
      signal: o.signal,
    });
    if (!isRedirect(res.status)) return res;
    await res.body?.cancel().catch(() => {});
    const next = redirectTarget(res, target);
    if (next === null) {
      throw new RedirectRefusedError(o.label, res.status, "", "no usable Location");
    }
    if (next.origin !== origin) {
      throw new RedirectRefusedError(
        o.label,
        res.status,
        shownUrl(next),
        `${next.origin} is not the SSO's origin ${origin}`,
      );
    }
    if (hop >= MAX_SAME_ORIGIN_REDIRECTS) {
      throw new RedirectRefusedError(
        o.label,
        res.status,
        shownUrl(next),
        `more than ${MAX_SAME_ORIGIN_REDIRECTS} redirects`,
      );
    }
    target = next;
  }
}

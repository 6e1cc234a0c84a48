/**
 * What the sync benchmark asks of the development SSO besides being synced:
 * its admin API (reset, the request allowance, stats) and changes through its
 * SCIM API. All of it goes with the benchmark's static token, so it never
 * spends the allowance of the runner's client.
 *
 * @module
 */
import { BENCH_STATIC_TOKEN } from "./bench-world.ts";

/** The admin API and the SCIM writes the benchmark drives. */
export interface BenchSso {
  dev(path: string, body: unknown, method?: string): Promise<Record<string, unknown>>;
  /** Requests the SSO refused with 429 so far. */
  refused(): Promise<number>;
  /** Gives `n` distinct active users of `total` a new phone number (SCIM PUT): a mapped change each. */
  changePhones(total: number, n: number, salt: number): Promise<void>;
  /**
   * A `since` for a delta of what changes from now on: a ms before now, or the last change's
   * stamp when the SSO's clock ran ahead (its stamps are at least 1 ms apart).
   */
  since(): Date;
}

interface ScimMeta {
  meta?: { lastModified?: string };
}

/**
 * The SSO at `url`.
 *
 * @example
 * ```ts
 * const sso = benchSso(world.sso.url);
 * await sso.dev("allowance", { requests: 100 }, "PUT");
 * ```
 */
export function benchSso(url: string): BenchSso {
  const auth = { Authorization: `Bearer ${BENCH_STATIC_TOKEN}` };
  async function dev(path: string, body: unknown, method = "POST") {
    const res = await fetch(`${url}/_dev/${path}`, {
      method,
      headers: { ...auth, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`/_dev/${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  }
  // The SSO stamps changes on a clock that never repeats (at least 1 ms apart), so a burst
  // of changes runs it ahead of the wall clock: a delta's `since` must not be earlier.
  let latest = 0;
  return {
    dev,
    async refused() {
      return Number((await dev("stats", undefined, "GET")).rateLimited);
    },
    async changePhones(total, n, salt) {
      const scim = { ...auth, "Content-Type": "application/scim+json" };
      const stride = Math.max(1, Math.floor(total / n));
      for (let i = 0; i < n; i++) {
        const list = await fetch(`${url}/scim/v2/Users?startIndex=${1 + i * stride}&count=5`, {
          headers: scim,
        });
        // An active one: inactive people are never created in OFM, so their change writes nothing.
        const user = ((await list.json()) as { Resources: Record<string, unknown>[] }).Resources
          .find((u) => u.active !== false);
        if (!user) throw new Error("no user to change");
        user.phoneNumbers = [{
          value: `+62 9${salt}${String(i).padStart(8, "0")}`,
          type: "mobile",
          primary: true,
        }];
        const res = await fetch(`${url}/scim/v2/Users/${String(user.id)}`, {
          method: "PUT",
          headers: scim,
          body: JSON.stringify(user),
        });
        if (!res.ok) throw new Error(`PUT user: HTTP ${res.status} ${await res.text()}`);
        const stamp = Date.parse(String(((await res.json()) as ScimMeta).meta?.lastModified));
        if (stamp > latest) latest = stamp;
      }
    },
    // One ms before now: a change stamped in this very ms must be after `since` (the delta asks
    // `gt`); 1 of ~3,000 changes was missed that way, a delta of 100 writing 99. Nothing was
    // changed in that ms before, or `latest` would be at least it.
    since: () => new Date(Math.max(Date.now() - 1, latest)),
  };
}

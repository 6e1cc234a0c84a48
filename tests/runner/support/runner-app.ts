/**
 * The runner's HTTP app over a test runtime, as the person and on-demand tests use it: the
 * admin token, the sync page's sources, the person routes, a stubbed health and metrics.
 *
 * @module
 */
import { silentLogger } from "../../../shared/logger.ts";
import { createRunnerApp } from "../../../runner/http/app.ts";
import type { Runtime } from "../../../runner/compose.ts";

/**
 * The app with the person routes, behind `token`.
 *
 * @example
 * ```ts
 * const app = personApp(rt, "admin-token-0123456789");
 * await app.request("/api/v1/scim/people/u1/sync", { method: "POST", headers: { Authorization: "Bearer …" } });
 * ```
 */
export function personApp(rt: Runtime, token: string) {
  return createRunnerApp({
    config: { host: "127.0.0.1", adminToken: token },
    sync: {
      scheduler: rt.scheduler,
      now: () => new Date(),
      logger: silentLogger,
      page: {
        ssoBaseUrl: "http://sso",
        connection: () => rt.connection(),
        recentHistory: (n) => rt.history.recent(n),
        recentEvents: (n) => rt.events.recent(n),
        leaseHolder: async () => null,
      },
    },
    people: { inspect: rt.inspect, syncPerson: rt.syncPerson },
    health: async () => ({ code: 200, report: {} as never }),
    metrics: { render: async () => ({ body: "", contentType: "text/plain" }) },
    logger: silentLogger,
  });
}

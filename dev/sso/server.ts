/**
 * Running the development SSO on a real port in this process (Bun), for
 * tests, the demo and benchmarks.
 *
 * @module
 */
import { createDevSso, type DevSso, type DevSsoOptions } from "./app.ts";

export interface RunningSso {
  /** e.g. `http://127.0.0.1:41234` — what `SSO_BASE_URL` takes. */
  url: string;
  port: number;
  sso: DevSso;
  /** Stops webhook deliveries (pending retries are dropped) and the server. */
  stop(): Promise<void>;
}

/**
 * Starts the development SSO with `Bun.serve` (port 0 = a free one).
 *
 * @example
 * ```ts
 * const { url, sso, stop } = await startDevSso({ users: 50, maxResults: 20 });
 * // SSO_BASE_URL = url; sso.faults.add({ kind: "status", page: 2, times: 1 });
 * await stop();
 * ```
 */
export async function startDevSso(
  options: DevSsoOptions & { port?: number; hostname?: string } = {},
): Promise<RunningSso> {
  const { port: wanted, hostname = "127.0.0.1", ...rest } = options;
  let sso: DevSso | undefined;
  const server = Bun.serve({
    port: wanted ?? 0,
    hostname,
    // Generous: delay faults and slow test clients must not be cut by the server's idle timer (Bun's max is 255 s).
    idleTimeout: 255,
    fetch: (req) => (sso ? sso.app.fetch(req) : new Response("starting", { status: 503 })),
  });
  const port = server.port ?? wanted ?? 0;
  const url = `http://127.0.0.1:${port}`;
  // Created after listen, so meta.location carries the real port.
  sso = createDevSso({ ...rest, baseUrl: rest.baseUrl ?? `${url}/scim/v2` });
  const running = sso;
  return {
    url,
    port,
    sso: running,
    async stop() {
      await running.webhooks.close();
      await server.stop(true);
    },
  };
}

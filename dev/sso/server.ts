/**
 * Running the development SSO on a real port, in this process.
 *
 * @module
 */
import { createDevSso, type DevSso, type DevSsoOptions } from "./app.ts";

export interface RunningSso {
  url: string;
  port: number;
  sso: DevSso;
  stop(): Promise<void>;
}

/**
 * Starts the development SSO with Bun.serve (port 0 = a free one).
 *
 * @example
 * ```ts
 * const { url, stop } = await startDevSso({ users: 50 });
 * // SSO_BASE_URL = url
 * await stop();
 * ```
 */
export async function startDevSso(options: DevSsoOptions & { port?: number } = {}): Promise<RunningSso> {
  let sso: DevSso | null = null;
  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: "127.0.0.1",
    idleTimeout: 120,
    fetch: (req) => (sso as DevSso).app.fetch(req),
  });
  const url = `http://127.0.0.1:${server.port}`;
  sso = createDevSso({ ...options, baseUrl: `${url}/scim/v2` });
  return {
    url,
    port: server.port as number,
    sso,
    async stop() {
      await sso?.webhooks.idle().catch(() => {});
      await server.stop(true);
    },
  };
}

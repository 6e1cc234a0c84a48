/**
 * What every sync benchmark starts from: the local MongoDB-wire server and
 * the development SSO serving a generated organisation of `users` (org units
 * users/10, pages of up to 1,000), and the runner's environment for both.
 *
 * @module
 */
import { resolve } from "node:path";
import { startMongoServer } from "../dev/mongo-server.ts";
import { spawnReady } from "../dev/spawn-ready.ts";

/** The repository's root and its Bun. */
export const ROOT = resolve(import.meta.dir, "..");
export const BUN = resolve(ROOT, "node_modules/.bin/bun");
const CLIENT = { id: "bench", secret: "bench-secret" };

/**
 * Starts the database and the SSO.
 *
 * @param users the organisation's size
 * @returns both servers, the runner's environment for them, and `stop()`
 *
 * @example
 * ```ts
 * const world = await startBenchWorld(10_000);
 * Bun.spawn(["bun", "bench/step.ts", "ours"], { env: { ...process.env, ...world.env, MONGODB_DB: "b1" } });
 * await world.stop();
 * ```
 */
export async function startBenchWorld(users: number) {
  const mongo = await startMongoServer();
  const sso = await spawnReady([BUN, "dev/sso/main.ts"], {
    SSO_PORT: "0",
    DEV_SSO_USERS: String(users),
    DEV_SSO_MAX_RESULTS: "1000",
    SCIM_CLIENT_ID: CLIENT.id,
    SCIM_CLIENT_SECRET: CLIENT.secret,
  }, { name: "sso", cwd: ROOT, timeoutMs: 120_000 });
  const env = {
    SSO_BASE_URL: sso.url,
    SCIM_CLIENT_ID: CLIENT.id,
    SCIM_CLIENT_SECRET: CLIENT.secret,
    MONGODB_URI: mongo.uri,
    // The benchmark measures the sync, not the SSO's quota: lift the 100/min default for all ways alike.
    SCIM_RATE_LIMIT: "100000",
    LOG_LEVEL: "error",
  };
  return {
    mongo,
    sso,
    env,
    client: CLIENT,
    async stop() {
      await sso.stop();
      await mongo.stop();
    },
  };
}

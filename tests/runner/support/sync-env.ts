/**
 * Test support: a development SSO on a free port plus a fresh database on the
 * MongoDB-wire server of `npm test` (MONGODB_URI), wired into a Runtime.
 */
import { MongoClient } from "mongodb";
import { type Logger, silentLogger } from "../../../shared/logger.ts";
import { loadConfig } from "../../../runner/config.ts";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../../runner/compose.ts";
import type { DevSsoOptions } from "../../../dev/sso/app.ts";
import { type RunningSso, startDevSso } from "../../../dev/sso/server.ts";

export const MONGODB_URI = process.env.MONGODB_URI ?? "mongodb://127.0.0.1:27017";
let counter = 0;

export interface SyncEnv {
  sso: RunningSso;
  dbName: string;
  env: Record<string, string>;
  runtime(
    extra?: Record<string, string>,
    logger?: Logger,
    options?: RuntimeOptions,
  ): Promise<Runtime>;
  mongo: MongoClient;
  close(): Promise<void>;
}

/**
 * Starts an SSO and names a fresh database; `close()` drops it and stops the SSO.
 * Tests measure behaviour, not the guide's allowance: the SSO enforces none unless
 * `sso.rateLimitPerMinute` asks, and the client's pacing is lifted (SCIM_RATE_LIMIT).
 */
export async function syncEnv(name: string, sso: DevSsoOptions = {}): Promise<SyncEnv> {
  const running = await startDevSso({ users: 50, maxResults: 20, rateLimitPerMinute: 0, ...sso });
  const dbName = `t_${name}_${process.pid}_${++counter}`;
  const env = {
    SSO_BASE_URL: running.url,
    SCIM_CLIENT_ID: "scim-dev-client",
    SCIM_CLIENT_SECRET: "dev-secret-change-me",
    MONGODB_URI,
    MONGODB_DB: dbName,
    SCIM_MAX_RETRIES: "2",
    SCIM_TIMEOUT_MS: "2000",
    SCIM_RATE_LIMIT: "100000",
  };
  const mongo = await new MongoClient(MONGODB_URI).connect();
  const runtimes: Runtime[] = [];
  return {
    sso: running,
    dbName,
    env,
    mongo,
    async runtime(extra = {}, logger = silentLogger, options = {}) {
      const r = await createRuntime(loadConfig({ ...env, ...extra }), logger, options);
      runtimes.push(r);
      return r;
    },
    async close() {
      for (const r of runtimes) await r.close().catch(() => {});
      await mongo.db(dbName).dropDatabase().catch(() => {});
      await mongo.close();
      await running.stop();
    },
  };
}

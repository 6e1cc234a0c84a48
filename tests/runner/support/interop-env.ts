/**
 * Test support: a third-party SCIM server (dev/interop/) in its own process, a
 * fresh database on the MongoDB-wire server of `npm test`, and runtimes wired
 * to them with a static bearer token (`SCIM_BASE_URL`, `SCIM_BEARER_TOKEN`),
 * counting the requests each run sends.
 *
 * @module
 */
import { MongoClient } from "mongodb";
import { silentLogger } from "../../../shared/logger.ts";
import { loadConfig } from "../../../runner/config.ts";
import { createRuntime, type Runtime } from "../../../runner/compose.ts";
import { type ScimApi, scimApi } from "../../../dev/interop/seed.ts";
import {
  type InteropKind,
  type InteropServer,
  startInteropServer,
} from "../../../dev/interop/servers.ts";
import { MONGODB_URI } from "./sync-env.ts";

let counter = 0;

/** An interop world for one server. */
export interface InteropEnv {
  server: InteropServer;
  /** The server's own SCIM API, as an identity provider uses it. */
  api: ScimApi;
  mongo: MongoClient;
  dbName: string;
  /** Paths of the SCIM requests the runtimes sent (retries included), in order. */
  requests: string[];
  /** A fresh runtime (`SCIM_PAGE_SIZE` 100 unless `extra` says otherwise). */
  runtime(extra?: Record<string, string>): Promise<Runtime>;
  close(): Promise<void>;
}

/**
 * Starts `kind` and names a fresh database.
 *
 * @example
 * ```ts
 * const w = await interopEnv("scimmy");
 * const { history } = await (await w.runtime()).runSync({ type: "full" });
 * await w.close();
 * ```
 */
export async function interopEnv(kind: InteropKind): Promise<InteropEnv> {
  const server = await startInteropServer(kind);
  const dbName = `t_interop_${kind.replace(/\W/g, "_")}_${process.pid}_${++counter}`;
  const env = {
    SSO_BASE_URL: new URL(server.baseUrl).origin,
    SCIM_BASE_URL: server.baseUrl,
    SCIM_BEARER_TOKEN: server.token,
    MONGODB_URI,
    MONGODB_DB: dbName,
    SCIM_PAGE_SIZE: "100",
    // These servers enforce no allowance; the client's own pacing would only slow the suite.
    SCIM_RATE_LIMIT: "6000",
    SCIM_MAX_RETRIES: "1",
    SCIM_TIMEOUT_MS: "10000",
  };
  const mongo = await new MongoClient(MONGODB_URI).connect();
  const runtimes: Runtime[] = [];
  const requests: string[] = [];
  return {
    server,
    api: scimApi(server.baseUrl, server.token),
    mongo,
    dbName,
    requests,
    async runtime(extra = {}) {
      const r = await createRuntime(loadConfig({ ...env, ...extra }), silentLogger, {
        onRequest: ({ path }) => requests.push(path),
      });
      runtimes.push(r);
      return r;
    },
    async close() {
      for (const r of runtimes) await r.close().catch(() => {});
      await mongo.db(dbName).dropDatabase().catch(() => {});
      await mongo.close();
      await server.stop();
    },
  };
}

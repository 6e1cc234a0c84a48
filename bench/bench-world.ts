/**
 * What every sync benchmark starts from: a MongoDB-wire server (the fast one,
 * FerretDB, or a uri) and the development SSO serving a generated organisation
 * of `users` (org units users/10, pages of up to 1,000), and the runner's
 * environment for both.
 *
 * @module
 */
import { resolve } from "node:path";
import { freePort, type MongoServer, startMongoServer } from "../dev/mongo-server.ts";
import { type ReadyProcess, spawnReady } from "../dev/spawn-ready.ts";

/** The repository's root and its Bun. */
export const ROOT = resolve(import.meta.dir, "..");
export const BUN = resolve(ROOT, "node_modules/.bin/bun");
export const DENO = resolve(ROOT, "node_modules/.bin/deno");
/** The SSO's webhook secret in the benches' worlds (the edge verifies with it). */
export const WEBHOOK_SECRET = "bench-webhook-secret-0123456789";
/** The edge-to-runner secret in the benches' worlds. */
export const INGEST_SECRET = "bench-ingest-secret-0123456789";
const CLIENT = { id: "bench", secret: "bench-secret" };
/**
 * The benchmark's own SCIM traffic (its changes, the admin API) goes with this static
 * token, so it never spends the allowance of the runner's client.
 */
export const BENCH_STATIC_TOKEN = "bench-static-token-0123456789";
/** The development SSO's page cap in every benchmark: the guide's "count=1000 max". */
export const BENCH_PAGE = 1000;
/** The guide's allowance, requests per minute: what the paced runs are held to. */
export const GUIDE_ALLOWANCE = 100;

/**
 * Which database a benchmark runs on: `fast` (mongo-java-server in memory, MongoDB's
 * cost shape), `ferretdb` (FerretDB on SQLite), or a `mongodb://` uri to adopt.
 */
export type BenchServer = "fast" | "ferretdb" | `mongodb://${string}` | `mongodb+srv://${string}`;

/**
 * Reads a `--server` value; `both` is the caller's to expand.
 *
 * @throws {RangeError} naming the flag and the value when it is none of the above
 *
 * @example
 * ```ts
 * parseBenchServer("java"); // "fast"
 * ```
 */
export function parseBenchServer(text: string): BenchServer {
  if (text === "fast" || text === "java" || text === "mongo-java-server") return "fast";
  if (text === "ferretdb") return "ferretdb";
  if (/^mongodb(\+srv)?:\/\//.test(text)) return text as BenchServer;
  throw new RangeError(`--server ${text}: use fast | ferretdb | both | a mongodb:// uri`);
}

/**
 * Starts (or adopts) the benchmark's database; `javaHeap` sizes mongo-java-server's JVM.
 *
 * @example
 * ```ts
 * const mongo = await startBenchMongo("ferretdb"); // mongo.kind === "ferretdb"
 * await mongo.stop();
 * ```
 */
export async function startBenchMongo(
  server: BenchServer,
  javaHeap?: string,
): Promise<Pick<MongoServer, "uri" | "kind" | "stop" | "pid">> {
  if (server === "fast") {
    return await startMongoServer({ forceEmbedded: true, kind: "java", javaHeap });
  }
  if (server === "ferretdb") {
    return await startMongoServer({ forceEmbedded: true, kind: "ferretdb" });
  }
  return { uri: server, kind: "external", stop: async () => {} };
}

/**
 * Starts the development SSO with a generated organisation of `users`.
 *
 * @example
 * ```ts
 * const sso = await startBenchSso(1_000);
 * await sso.stop();
 * ```
 */
export async function startBenchSso(
  users: number,
  ssoEnv: Record<string, string> = {},
): Promise<ReadyProcess> {
  return await spawnReady([BUN, "dev/sso/main.ts"], {
    SSO_PORT: "0",
    DEV_SSO_USERS: String(users),
    DEV_SSO_MAX_RESULTS: String(BENCH_PAGE),
    // No allowance but where a benchmark sets one (PUT /_dev/allowance): the others measure
    // the sync, with the client's pacing lifted too (runnerEnv).
    DEV_SSO_RATE_LIMIT: "0",
    DEV_SSO_STATIC_TOKEN: BENCH_STATIC_TOKEN,
    SCIM_CLIENT_ID: CLIENT.id,
    SCIM_CLIENT_SECRET: CLIENT.secret,
    ...ssoEnv,
  }, { name: "sso", cwd: ROOT, timeoutMs: 120_000 });
}

/**
 * The runner's environment for an SSO and a database.
 *
 * @example
 * ```ts
 * Bun.spawn([BUN, "bench/step.ts", "ours"], { env: { ...process.env, ...runnerEnv(sso.url, mongo.uri), MONGODB_DB: "b" } });
 * ```
 */
export function runnerEnv(ssoUrl: string, mongoUri: string): Record<string, string> {
  return {
    SSO_BASE_URL: ssoUrl,
    SCIM_CLIENT_ID: CLIENT.id,
    SCIM_CLIENT_SECRET: CLIENT.secret,
    MONGODB_URI: mongoUri,
    // The benchmark measures the sync, not the SSO's quota: lift the 100/min default for all ways alike.
    SCIM_RATE_LIMIT: "100000",
    LOG_LEVEL: "error",
  };
}

/**
 * Starts the database and the SSO.
 *
 * @param users the organisation's size
 * @param ssoEnv more of the SSO's environment (its webhook target)
 * @param server the database @default MONGODB_URI when set, else `fast`
 * @returns both servers, the runner's environment for them, and `stop()`
 *
 * @example
 * ```ts
 * const world = await startBenchWorld(10_000);
 * Bun.spawn(["bun", "bench/step.ts", "ours"], { env: { ...process.env, ...world.env, MONGODB_DB: "b1" } });
 * await world.stop();
 * ```
 */
export async function startBenchWorld(
  users: number,
  ssoEnv: Record<string, string> = {},
  server: BenchServer = parseBenchServer(process.env.MONGODB_URI ?? "fast"),
  javaHeap?: string,
) {
  const mongo = await startBenchMongo(server, javaHeap);
  const sso = await startBenchSso(users, ssoEnv).catch(async (error) => {
    await mongo.stop();
    throw error;
  });
  const env = runnerEnv(sso.url, mongo.uri);
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

/**
 * A real Deno edge on `port`, verifying with WEBHOOK_SECRET and forwarding to
 * the runner at `runnerUrl` with INGEST_SECRET.
 *
 * @example
 * ```ts
 * const edge = await startBenchEdge(await freePort(), runner.url);
 * await edge.stop();
 * ```
 */
export function startBenchEdge(port: number, runnerUrl: string): Promise<ReadyProcess> {
  return spawnReady([DENO, "run", "--allow-net", "--allow-env", "edge/main.ts"], {
    SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    INGEST_SECRET,
    PORT: String(port),
    OFM_INGEST_URL: `${runnerUrl}/api/v1/scim/events`,
    LOG_LEVEL: "warn",
  }, { name: "edge", cwd: ROOT, timeoutMs: 60_000 });
}

/**
 * The whole webhook path on top of {@linkcode startBenchWorld}: the SSO sends
 * every change as a signed webhook to a real Deno edge, which forwards it to
 * a real Bun runner daemon.
 *
 * @param users the organisation's size
 * @param runnerEnv the runner's own settings (MONGODB_DB, SYNC_INTERVAL, …)
 * @param runnerRoot the checkout whose runner runs (another one for a before/after) @default ROOT
 * @param ssoEnv more of the SSO's environment (its webhook concurrency, retry delay)
 * @returns the servers, the runner and the edge, and `stop()`
 *
 * @example
 * ```ts
 * const world = await startWebhookWorld(1000, { MONGODB_DB: "bench_webhooks", SYNC_INTERVAL: "1d" });
 * await world.stop();
 * ```
 */
export async function startWebhookWorld(
  users: number,
  runnerEnv: Record<string, string>,
  runnerRoot: string = ROOT,
  ssoEnv: Record<string, string> = {},
) {
  const edgePort = await freePort();
  const world = await startBenchWorld(users, {
    SCIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    DEV_SSO_WEBHOOK_URL: `http://127.0.0.1:${edgePort}/api/v1/scim/webhook`,
    ...ssoEnv,
  });
  const runner = await spawnReady([BUN, "runner/main.ts"], {
    ...world.env,
    INGEST_SECRET,
    PORT: "0",
    LOG_LEVEL: "warn",
    ...runnerEnv,
  }, { name: "runner", cwd: runnerRoot, timeoutMs: 60_000 });
  const edge = await startBenchEdge(edgePort, runner.url);
  return {
    ...world,
    runner,
    edge,
    async stop() {
      await edge.stop();
      await runner.stop();
      await world.stop();
    },
  };
}

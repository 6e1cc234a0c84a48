/**
 * The floor of a no-op `npm run sync`, as whole processes an operator could
 * run: `bun bench/floor-process.ts fetch` lists every page from the SSO with
 * the product's client and parses it (nothing kept); `… index` reads the sync
 * fields of every stored user and unit with the engine's projection, decoded
 * by the driver. Each imports only what its one read needs; the benchmark
 * times each from spawn to exit (bench/sync-bench.ts). Reads the runner's
 * environment.
 *
 * @module
 */
export {};

const mode = process.argv[2];

if (mode === "fetch") {
  const { loadConfig } = await import("../runner/config.ts");
  const { createRateLimiter } = await import("../runner/scim/rate-limiter.ts");
  const { createScimClient } = await import("../runner/scim/scim-client.ts");
  const { createTokenProvider } = await import("../runner/scim/token-provider.ts");
  const config = loadConfig(process.env);
  const client = createScimClient({
    baseUrl: config.scimBaseUrl,
    tokens: createTokenProvider({
      auth: config.auth,
      tokenUrl: config.tokenUrl,
      timeoutMs: config.requestTimeoutMs,
    }),
    limiter: createRateLimiter({ perMinute: config.rateLimitPerMinute }),
    timeoutMs: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    maxResponseBytes: config.maxResponseBytes,
  });
  const spc = await client.serviceProviderConfig();
  const count = Math.min(config.pageSize, 1000, spc.filter.maxResults ?? 1000);
  let fetched = 0;
  for (const resource of ["Groups", "Users"] as const) {
    for await (const page of client.pages(resource, { count })) fetched += page.resources.length;
  }
  console.log(JSON.stringify({ mode, fetched, requests: client.requestsSent }));
} else if (mode === "index") {
  const { MongoClient } = await import("mongodb");
  const { serverTraits } = await import("../runner/store/server-kind.ts");
  const { userIndexProjection } = await import("../runner/store/sync-store.ts");
  const mongo = await new MongoClient(process.env.MONGODB_URI ?? "").connect();
  const db = mongo.db(process.env.MONGODB_DB);
  const { updatesById } = await serverTraits(db);
  let entries = 0;
  const users = db.collection("users").find({}, {
    projection: userIndexProjection(updatesById),
    batchSize: 5000,
  });
  for await (const _ of users) entries++;
  const units = db.collection("orgUnits").find({}, {
    projection: { _id: 1, syncHash: 1, isActive: 1 },
  });
  for await (const _ of units) entries++;
  await mongo.close();
  console.log(JSON.stringify({ mode, entries }));
} else {
  console.error(`usage: bun bench/floor-process.ts fetch|index`);
  process.exit(2);
}

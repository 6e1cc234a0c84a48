/**
 * Connecting to MongoDB (or a MongoDB-wire server such as FerretDB).
 *
 * @module
 */
import { type Db, MongoClient } from "mongodb";
import { StoreUnavailableError } from "./driver-errors.ts";

export { StoreUnavailableError };

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  /** True when the server answers a ping. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The URI without user:password, for messages. */
export function redactMongoUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, "//***@");
}

/**
 * Connects and pings once, so a dead database fails here with a clear message.
 *
 * @throws {StoreUnavailableError} when the server cannot be reached in time
 *
 * @example
 * ```ts
 * const mongo = await connectMongo("mongodb://127.0.0.1:27017", "ofm");
 * await mongo.db.collection("users").countDocuments();
 * await mongo.close();
 * ```
 */
export async function connectMongo(
  uri: string,
  dbName: string,
  opts: { serverSelectionTimeoutMS?: number; maxPoolSize?: number } = {},
): Promise<MongoHandle> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 5_000,
    maxPoolSize: opts.maxPoolSize ?? 10,
    // Sync writes are idempotent upserts; a retried write is harmless.
    retryWrites: false,
    appName: "scim-sync",
  });
  try {
    await client.connect();
    await client.db(dbName).command({ ping: 1 });
  } catch (e) {
    await client.close().catch(() => {});
    throw new StoreUnavailableError(
      redactMongoUri(uri),
      e instanceof Error ? e.message : String(e),
      {
        cause: e,
      },
    );
  }
  const db = client.db(dbName);
  return {
    client,
    db,
    async ping() {
      try {
        await db.command({ ping: 1 }, { timeoutMS: 2_000 });
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}

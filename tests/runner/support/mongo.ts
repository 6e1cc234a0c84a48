/**
 * A fresh database per test file on the MongoDB-wire server the test run
 * provides (`MONGODB_URI`, set by `npm test`); started here from
 * dev/mongo-server.ts when a file runs alone without it.
 *
 * @module
 */
import { startMongoServer } from "../../../dev/mongo-server.ts";
import { connectMongo, type MongoHandle } from "../../../runner/store/mongo.ts";

/** A connected test database and how to drop it. */
export interface TestDb {
  uri: string;
  name: string;
  mongo: MongoHandle;
  /** Drops the database and closes the connection (and the server, if started here). */
  drop(): Promise<void>;
}

/**
 * Connects to a uniquely named database for one test file.
 *
 * @example
 * ```ts
 * const t = await openTestDb("lease");
 * afterAll(() => t.drop());
 * ```
 */
export async function openTestDb(prefix: string): Promise<TestDb> {
  let uri = process.env.MONGODB_URI;
  let stopServer: (() => Promise<void>) | null = null;
  if (!uri) {
    const server = await startMongoServer();
    uri = server.uri;
    stopServer = () => server.stop();
    process.env.MONGODB_URI = uri;
  }
  const name = `t_${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const mongo = await connectMongo(uri, name);
  return {
    uri,
    name,
    mongo,
    async drop() {
      await mongo.db.dropDatabase().catch(() => {});
      await mongo.close();
      await stopServer?.();
    },
  };
}

/**
 * Whether the server is FerretDB (its buildInfo carries `ferretdbVersion`): tests whose
 * size is the point scale down there, since every FerretDB update scans its collection.
 *
 * @example
 * ```ts
 * const events = (await isFerretDb(t)) ? 300 : 2_000;
 * ```
 */
export async function isFerretDb(t: TestDb): Promise<boolean> {
  const info = await t.mongo.db.admin().command({ buildInfo: 1 });
  return "ferretdbVersion" in info;
}

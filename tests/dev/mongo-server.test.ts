/**
 * The MongoDB-wire server of dev/mongo-server.ts: the shared one `npm test` exports
 * as MONGODB_URI (whichever kind that run chose), and a second one, FerretDB by
 * name, taken through kill() and restart(). The mongo-java-server path has its own
 * file (mongo-java-server.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { type MongoServer, startMongoServer } from "../../dev/mongo-server.ts";
import { launcherTool } from "../runner/support/tools.ts";

const DB = "test_mongo_server";

test("the shared server (MONGODB_URI) stores and returns a document", async () => {
  const uri = process.env.MONGODB_URI;
  expect(uri, "run through `npm test`, which exports MONGODB_URI").toBeDefined();
  const client = new MongoClient(uri!, { serverSelectionTimeoutMS: 5_000 });
  try {
    const docs = client.db(DB).collection<{ _id: string; n: number }>("smoke");
    await docs.deleteMany({});
    await docs.insertOne({ _id: "a", n: 1 });
    expect(await docs.findOne({ _id: "a" })).toEqual({ _id: "a", n: 1 });
    await client.db(DB).dropDatabase();
  } finally {
    await client.close();
  }
});

interface Kept {
  _id: number;
  v: string;
}

/** Go (or a fresh launcher); without it these skip with the reason. */
const ferret = launcherTool("ferretdb");

describe.skipIf(ferret.missing)(ferret.named("startMongoServer() with kind ferretdb"), () => {
  let second: MongoServer;

  beforeAll(async () => {
    second = await startMongoServer({ forceEmbedded: true, kind: "ferretdb" });
  });
  afterAll(async () => {
    await second?.stop();
  });

  /** A fresh client per step: after kill() the old pool would only hold dead sockets. */
  async function withClient<T>(fn: (client: MongoClient) => Promise<T>): Promise<T> {
    const client = new MongoClient(second.uri, {
      serverSelectionTimeoutMS: 1_500,
      connectTimeoutMS: 1_500,
    });
    try {
      return await fn(client);
    } finally {
      await client.close(true);
    }
  }

  test("startMongoServer() starts FerretDB on its own port when kind is ferretdb", async () => {
    expect(second.kind).toBe("ferretdb");
    expect(second.keepsData).toBe(true);
    expect(second.uri).not.toBe(process.env.MONGODB_URI ?? "");
    const ping = await withClient((c) => c.db("admin").command({ ping: 1 }));
    expect(ping.ok).toBe(1);
  });

  test("FerretDB's restart() brings the server back with its data after kill() made a ping fail", async () => {
    await withClient(async (c) => {
      await c.db(DB).collection<Kept>("kept").insertMany([{ _id: 1, v: "one" }, {
        _id: 2,
        v: "two",
      }]);
    });
    const uriBefore = second.uri;

    second.kill();
    await expect(withClient((c) => c.db("admin").command({ ping: 1 }))).rejects.toThrow();

    await second.restart();
    expect(second.uri).toBe(uriBefore); // same port
    const kept = await withClient((c) =>
      c.db(DB).collection<Kept>("kept").find().sort({ _id: 1 }).toArray()
    );
    expect(kept).toEqual([{ _id: 1, v: "one" }, { _id: 2, v: "two" }]);
  });
});

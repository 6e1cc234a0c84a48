/**
 * The MongoDB-wire server of dev/mongo-server.ts: the shared one `npm test` exports
 * as MONGODB_URI, and a second embedded one taken through kill() and restart().
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { startMongoServer, type MongoServer } from "../../dev/mongo-server.ts";

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

let second: MongoServer;

beforeAll(async () => {
  second = await startMongoServer({ forceEmbedded: true });
});
afterAll(async () => {
  await second?.stop();
});

/** A fresh client per step: after kill() the old pool would only hold dead sockets. */
async function withClient<T>(fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(second.uri, { serverSelectionTimeoutMS: 1_500, connectTimeoutMS: 1_500 });
  try {
    return await fn(client);
  } finally {
    await client.close(true);
  }
}

test("a second embedded server runs on its own port", async () => {
  expect(second.kind).not.toBe("external");
  expect(second.uri).not.toBe(process.env.MONGODB_URI ?? "");
  const ping = await withClient((c) => c.db("admin").command({ ping: 1 }));
  expect(ping.ok).toBe(1);
});

test("kill() makes a ping fail; restart() brings the server back with its data", async () => {
  await withClient(async (c) => {
    await c.db(DB).collection<Kept>("kept").insertMany([{ _id: 1, v: "one" }, { _id: 2, v: "two" }]);
  });
  const uriBefore = second.uri;

  second.kill();
  await expect(withClient((c) => c.db("admin").command({ ping: 1 }))).rejects.toThrow();

  await second.restart();
  expect(second.uri).toBe(uriBefore); // same port
  const kept = await withClient((c) => c.db(DB).collection<Kept>("kept").find().sort({ _id: 1 }).toArray());
  expect(kept).toEqual([{ _id: 1, v: "one" }, { _id: 2, v: "two" }]);
});

/**
 * The mongo-java-server path of dev/mongo-server.ts: built by dev/mongo-launchers.ts,
 * started on a free port, used by the real Node.js driver for the operations the
 * sync relies on, and stopped. Plus the choice of kind from MONGO_SERVER_KIND.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import {
  chooseLocalKind,
  DEFAULT_LOCAL_KIND,
  type MongoServer,
  startMongoServer,
} from "../../dev/mongo-server.ts";
import { launcherTool } from "../runner/support/tools.ts";

/** Java and Maven (or a fresh launcher jar); without them the group skips with the reason. */
const java = launcherTool("java");

interface Person {
  _id: string;
  name: string;
  n: number;
}

describe.skipIf(java.missing)(java.named("startMongoServer() with kind java"), () => {
  let server: MongoServer;
  let client: MongoClient;

  beforeAll(async () => {
    server = await startMongoServer({ forceEmbedded: true, kind: "java" });
    client = await new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 }).connect();
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  test("startMongoServer() serves a wire version the Node.js driver 7 accepts when kind is java", async () => {
    expect(server.kind).toBe("java");
    expect(server.keepsData).toBe(false);
    expect(server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    // The driver refuses servers below wire version 9; 1.47.0's own versions report 8.
    // (The server answers the legacy isMaster handshake, not `hello`.)
    const hello = await client.db("admin").command({ isMaster: 1 });
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
  });

  test("the java server does insertMany, find, update by _id and createIndex when driven by the driver", async () => {
    const people = client.db("test_mongo_java").collection<Person>("people");
    const inserted = await people.insertMany(
      [{ _id: "a", name: "Ani", n: 1 }, { _id: "b", name: "Budi", n: 2 }, {
        _id: "c",
        name: "Citra",
        n: 3,
      }],
      { ordered: false },
    );
    expect(inserted.insertedCount).toBe(3);

    const found = await people.find({ n: { $gte: 2 } }).project<{ _id: string; name: string }>({
      name: 1,
    }).sort({ _id: 1 }).toArray();
    expect(found).toEqual([{ _id: "b", name: "Budi" }, { _id: "c", name: "Citra" }]);

    const updated = await people.updateOne({ _id: "b" }, {
      $set: { name: "Budi S." },
      $inc: { n: 10 },
    });
    expect(updated.matchedCount).toBe(1);
    expect(updated.modifiedCount).toBe(1);
    expect(await people.findOne({ _id: "b" })).toEqual({ _id: "b", name: "Budi S.", n: 12 });

    expect(await people.createIndex({ name: 1 }, { unique: true, name: "name_unique" })).toBe(
      "name_unique",
    );
    const names = (await people.listIndexes().toArray()).map((i) => i.name);
    expect(names).toContain("name_unique");
    // The unique index is enforced, not merely listed.
    await expect(people.insertOne({ _id: "d", name: "Ani", n: 4 })).rejects.toThrow(
      /duplicate key/i,
    );
  });

  test("stop() ends the java process when called", async () => {
    const own = await startMongoServer({ forceEmbedded: true, kind: "java" });
    const pid = own.pid!;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await own.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe("chooseLocalKind()", () => {
  test("chooseLocalKind() picks java for java, mongo-java-server and fast, in any case", () => {
    for (const word of ["java", "mongo-java-server", "fast", " Java "]) {
      expect(chooseLocalKind(word, true)).toBe("java");
    }
  });

  test("chooseLocalKind() prefers a mongod on PATH over the default when MONGO_SERVER_KIND is unset or empty", () => {
    expect(chooseLocalKind(undefined, true)).toBe("mongod");
    expect(chooseLocalKind("", false)).toBe(DEFAULT_LOCAL_KIND);
    // Without java or mvn the default falls back to FerretDB, which needs only Go.
    expect(chooseLocalKind(undefined, false, false)).toBe("ferretdb");
  });

  test("chooseLocalKind() throws naming MONGO_SERVER_KIND when the value is unknown or mongod is missing", () => {
    expect(() => chooseLocalKind("postgres", false)).toThrow(/MONGO_SERVER_KIND=postgres .*java/);
    expect(() => chooseLocalKind("mongod", false)).toThrow(
      /MONGO_SERVER_KIND=mongod but no mongod/,
    );
    expect(chooseLocalKind("ferretdb", true)).toBe("ferretdb");
  });
});

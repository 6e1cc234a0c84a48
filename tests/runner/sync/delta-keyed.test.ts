// A delta sync costs what changed: it reads from MongoDB only the people it was sent, by key,
// never the whole index — unless its listing brings most of the directory, when one read of
// everything is cheaper.
import { afterEach, describe, expect, test } from "bun:test";
import { silentLogger } from "../../../shared/logger.ts";
import { userHashFields } from "../../../runner/content-hash.ts";
import type { Runtime } from "../../../runner/compose.ts";
import type { KeyedIndex } from "../../../runner/store/keyed-index.ts";
import { runSync } from "../../../runner/sync/sync-engine.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/** A delta through the real engine, keeping the index it read. */
async function delta(rt: Runtime, since: Date) {
  let index: KeyedIndex | null = null;
  const result = await runSync({
    client: rt.client,
    store: {
      ...rt.store,
      deltaUserIndex: (relieve) => (index = rt.store.deltaUserIndex(relieve)),
    },
    history: rt.history,
    logger: silentLogger,
    pageSize: 1000,
    gate: rt.gate,
    identity: rt.identity,
    directory: rt.directory,
    matchOn: "email",
    userHashFields: userHashFields([]),
  }, { type: "delta", since });
  return { result, index: index! as KeyedIndex };
}

function change(e: SyncEnv, n: number, from = 0) {
  const people = e.sso.sso.directory.list("User").slice(from, from + n);
  for (const p of people) {
    e.sso.sso.directory.update(
      "User",
      String(p.id),
      (c) => ({ ...c, title: `changed-${Date.now()}` }),
    );
  }
  return people.map((p) => String(p.id));
}

describe("delta syncs that cost what changed", () => {
  test("runSync() delta reads only the ten people it was sent, by key", async () => {
    t = await syncEnv("delta_keyed", { users: 2000, maxResults: 1000 });
    const rt = await t.runtime();
    expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
    const since = new Date();
    t.sso.sso.directory.update("User", String(t.sso.sso.directory.list("User")[5]!.id), (c) => ({
      ...c,
      phoneNumbers: [{ value: "+62 999" }],
    }));
    change(t, 9, 10);
    const { result, index } = await delta(rt, new Date(since.getTime() - 1));
    expect(result.history.status).toBe("success");
    expect(result.history.stats.usersFetched).toBe(10);
    expect(index.reads).toEqual({ byKey: 10, whole: 0 });
    expect(index.reads.byKey).toBeLessThanOrEqual(2 * 10);
  });

  test("runSync() delta that brings most of the directory reads the index whole, once", async () => {
    t = await syncEnv("delta_whole", { users: 2000, maxResults: 1000 });
    const rt = await t.runtime();
    expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
    const since = new Date();
    change(t, 1500);
    const { result, index } = await delta(rt, new Date(since.getTime() - 1));
    expect(result.history.status).toBe("success");
    expect(result.history.stats.usersFetched).toBe(1500);
    expect(index.reads.byKey).toBe(0);
    expect(index.reads.whole).toBe(2000);
  });
});

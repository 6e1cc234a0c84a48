// The matcher's routing of new people when MongoDB is gone: its two reads (the unlinked
// accounts, and the owned ones once the index is there) fail as one error the run records,
// never as a rejection nobody handles, which ends a Bun process (the daemon, mid-sync).
import { afterAll, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { freePort } from "../../../dev/mongo-server.ts";
import { mapUser } from "../../../shared/mapping.ts";
import type { OfmUser } from "../../../shared/ofm-documents.ts";
import type { Change } from "../../../runner/documents/changes.ts";
import { createIdentityStore } from "../../../runner/store/identity-store.ts";
import type { ExistingIndex } from "../../../runner/sync/diff.ts";
import { matcher } from "../../../runner/sync/passes.ts";

/** A client of an address where nothing listens: every read fails after a short selection. */
const port = await freePort();
const dead = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 100 });
afterAll(() => dead.close());

function joiner(n: number): Change<OfmUser> {
  const mapped = mapUser({
    id: `u-${n}`,
    userName: `joiner.${n}@ias.co.id`,
    emails: [{ value: `joiner.${n}@ias.co.id`, primary: true }],
    active: true,
  });
  if (!mapped.ok) throw new Error(mapped.error.message);
  return { kind: "create", doc: mapped.value, hash: `h${n}` };
}

describe("matcher()", () => {
  test("route() with MongoDB unreachable while the index is still on its way rejects with STORE_UNAVAILABLE, and leaves no rejection unhandled", async () => {
    const identity = createIdentityStore(dead.db("ofm"), {
      matchOn: "email",
      userUpdateFields: ["email"],
      uniqueIndexes: () => [],
    });
    // The index arrives (and fails) well after the unlinked accounts' read has failed:
    // the order of the outage seen by the engine when the user index read is slow.
    let failIndex!: (e: unknown) => void;
    const index = new Promise<ExistingIndex>((_, reject) => (failIndex = reject));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const routing = matcher(identity, "email", index, "full_sync").route!([joiner(1)]);
      routing.catch(() => {});
      await Bun.sleep(600); // the selection timeout has passed: the unlinked read has failed
      failIndex(new Error("the index read failed too"));
      const error = await routing.then(() => null, (e: unknown) => e);
      expect((error as { code?: string } | null)?.code).toBe("STORE_UNAVAILABLE");
      await Bun.sleep(10);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

// A run record always fits in MongoDB's 16 MB, whatever the directory sends, and a record
// never decides what the gate counts: 200 malformed users with 100 kB ids, over five runs
// that each lose 19 people, still deactivate no more than SYNC_MAX_DEACTIVATE allows.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Runtime } from "../../../runner/compose.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

let t: SyncEnv;
let rt: Runtime;
beforeAll(async () => {
  t = await syncEnv("record_fits", { users: 100, maxResults: 100 });
  rt = await t.runtime({ SYNC_MAX_DEACTIVATE: "20%", SCIM_PAGE_SIZE: "1000" });
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  // 200 users whose ids are 100 kB each and whose `name` is not an object: each is an error entry.
  t.sso.sso.directory.load(
    "User",
    Array.from({ length: 200 }, (_, i) => ({
      id: `${"x".repeat(100_000)}-${i}`,
      userName: `malformed-${i}@ias.co.id`,
      name: "not an object",
      active: true,
    })),
  );
}, 60_000);
afterAll(() => t.close());

const users = () => t.mongo.db(t.dbName).collection("users");
const history = () => t.mongo.db(t.dbName).collection("syncHistory");

describe("run records that fit", () => {
  test("runSync() records a run with 200 malformed 100 kB ids, its errors cut with a marker", async () => {
    const r = await rt.runSync({ type: "full" });
    expect(r.history.status).toBe("partial");
    expect(r.historyId).not.toBeNull();
    const rec = await history().findOne({ status: "partial" });
    expect(rec?.stats.errors.length).toBe(200);
    const e = rec?.stats.errors[0];
    expect(e.code).toBe("RESOURCE_INVALID");
    expect(e.resourceId.length).toBeLessThan(300);
    expect(e.resourceId).toContain("more characters]");
    expect(e.message.length).toBeLessThan(700);
  });

  test("runSync() never deactivates past the limit over five runs, whatever the records say", async () => {
    const activeAtStart = await users().countDocuments({ isActive: true });
    const allowed = Math.floor(activeAtStart * 0.2);
    const statuses: string[] = [];
    for (let run = 0; run < 5; run++) {
      const gone = t.sso.sso.directory.list("User")
        .filter((u) => u.active !== false && !String(u.id).startsWith("xxx"))
        .slice(0, 19)
        .map((u) => String(u.id));
      for (const id of gone) t.sso.sso.directory.remove("User", id);
      statuses.push((await rt.runSync({ type: "full" })).history.status);
    }
    const deactivated = activeAtStart - (await users().countDocuments({ isActive: true }));
    expect(deactivated).toBeLessThanOrEqual(allowed);
    expect(statuses[0]).toBe("partial");
    expect(statuses.slice(1)).toEqual(["aborted", "aborted", "aborted", "aborted"]);
  });
});

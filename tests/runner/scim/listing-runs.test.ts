// Whole runs (the engine, MongoDB) against the hostile SCIM server in the paging
// modes of servers built on common SCIM libraries: a startIndex past the end
// answered with the first page again, itemsPerPage saying the count asked. The
// listing must be proven from the ids and totalResults alone: every user synced,
// a user really gone deactivated, and no more requests than the pages.
import { afterEach, describe, expect, test } from "bun:test";
import { type HostileEnv, hostileEnv } from "../support/hostile-env.ts";

let h: HostileEnv | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const requests = (e: HostileEnv, path: string) =>
  e.server.hostile.received.filter((r) => r.path === `/scim/v2/${path}`).length;

describe("runSync() against a server answering past the end with its first page", () => {
  test("runSync() syncs 250 users and 3 groups in 3 + 1 listing requests and proves both listings", async () => {
    h = await hostileEnv("lib_250", { users: 250, groups: 3 });
    h.server.hostile.setMode("library-paging");
    const { history } = await (await h.runtime()).runSync({ type: "full" });
    expect(history).toMatchObject({ status: "success", complete: true });
    expect(history.stats).toMatchObject({ usersCreated: 250, orgUnitsCreated: 3 });
    expect(await h.activeUsers()).toBe(250);
    expect(requests(h, "Users")).toBe(3);
    expect(requests(h, "Groups")).toBe(1);
  });

  test("runSync() deactivates exactly the user deleted when the listing ends on a full page and the page past it repeats page 1", async () => {
    h = await hostileEnv("lib_201", { users: 201, groups: 3 });
    h.server.hostile.setMode("library-paging");
    const rt = await h.runtime();
    expect((await rt.runSync({ type: "full" })).history.complete).toBe(true);
    const gone = h.server.hostile.users.pop()!;
    h.server.hostile.setMode("library-paging"); // clears the received requests
    const { history } = await rt.runSync({ type: "full" });
    expect(history).toMatchObject({ status: "success", complete: true });
    expect(history.stats.usersDeactivated).toBe(1);
    expect(await h.activeUsers()).toBe(200);
    const doc = await h.mongo.db(h.dbName).collection("users").findOne({ ssoUserId: gone.id });
    expect(doc?.isActive).toBe(false);
    // Pages 1 and 2 full, then startIndex 201 answered with page 1: the end.
    expect(
      h.server.hostile.received.filter((r) => r.path === "/scim/v2/Users").map((r) =>
        r.query.startIndex
      ),
    ).toEqual(["1", "101", "201"]);
  });

  test("runSync() deactivates nobody when the page after page 1 repeats it while users are missing", async () => {
    h = await hostileEnv("lib_repeat", { users: 240, groups: 3 });
    await h.seed("repeat-page");
    const { history } = await (await h.runtime()).runSync({ type: "full" });
    expect(history.status).toBe("failed");
    expect(history.error?.code).toBe("SCIM_LISTING_RUNAWAY");
    expect(history.error?.message).toContain("with 140 of the 240 announced still missing");
    expect(await h.activeUsers()).toBe(240);
  });
});

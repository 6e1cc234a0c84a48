// Provision on demand goes through the one gate like every other way in: a key written in
// another letter case finds the stored person (no create-then-update that skips the gate),
// ten parallel callers never pass the limit, and an answer that is not the person asked for
// (a server that ignores the filter) is "not found".
import { afterEach, describe, expect, test } from "bun:test";
import { silentLogger } from "../../../shared/logger.ts";
import type { Runtime } from "../../../runner/compose.ts";
import { LOCAL_ONLY, seedOfm } from "../support/ofm-fixture.ts";
import { personApp } from "../support/runner-app.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const TOKEN = "on-demand-gate-admin-token";
let t: SyncEnv | undefined;
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await t?.close();
  t = undefined;
});

const users = () => t!.mongo.db(t!.dbName).collection("users");
const active = () => t!.sso.sso.directory.list("User").filter((u) => u.active !== false);

const appOf = (rt: Runtime) => personApp(rt, TOKEN);

describe("on-demand sync and the gate", () => {
  test("syncPerson() with a letter-case variant finds the stored person, and deactivations stop at the limit", async () => {
    t = await syncEnv("od_case", { users: 30, maxResults: 50 });
    // OFM's own accounts and unique indexes: never counted, never touched.
    await seedOfm(t.mongo.db(t.dbName), t.sso.sso.directory, 0);
    const rt = await t.runtime({ SYNC_MAX_DEACTIVATE: "1" });
    expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
    const three = active().slice(0, 3);
    for (const u of three) {
      t.sso.sso.directory.update("User", String(u.id), (c) => ({ ...c, active: false }));
    }
    const outcomes = [];
    for (const u of three) {
      outcomes.push((await rt.syncPerson(String(u.userName).toUpperCase())).outcome);
    }
    expect(outcomes).toEqual(["deactivated", "aborted", "aborted"]);
    expect(
      await users().countDocuments({
        ssoUserId: { $in: three.map((u) => String(u.id)) },
        isActive: false,
      }),
    ).toBe(1);
    // Nobody was created twice; OFM's own accounts are as they were.
    expect(await users().countDocuments()).toBe(30 + LOCAL_ONLY.length);
  });

  test("ten parallel POST /api/v1/scim/people/:key/sync deactivate exactly the limit, every round", async () => {
    t = await syncEnv("od_parallel", { users: 60, maxResults: 100 });
    // The runner's clock moves a day between rounds: the window empties without waiting.
    let clock = Date.now();
    const rt = await t.runtime(
      { SYNC_MAX_DEACTIVATE: "5", SYNC_GUARD_WINDOW: "1h" },
      silentLogger,
      {
        now: () => new Date(clock),
      },
    );
    expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
    const app = appOf(rt);
    for (let round = 0; round < 3; round++) {
      const gone = active().slice(0, 10).map((u) => String(u.id));
      for (const id of gone) t.sso.sso.directory.remove("User", id);
      const answers = await Promise.all(
        gone.map((id) =>
          app.request(`/api/v1/scim/people/${id}/sync`, {
            method: "POST",
            headers: { Authorization: `Bearer ${TOKEN}`, Host: "127.0.0.1" },
          })
        ),
      );
      const codes = answers.map((a) => a.status).sort();
      expect(await users().countDocuments({ ssoUserId: { $in: gone }, isActive: false })).toBe(5);
      expect(codes.filter((c) => c === 200).length).toBe(5);
      expect(codes.filter((c) => c === 409).length).toBe(5);
      clock += 86_400_000;
    }
  });

  test("syncPerson() of an unknown userName is not found when the SSO answers with someone else", async () => {
    t = await syncEnv("od_filter", { users: 10, maxResults: 50 });
    // A server that ignores the filter and lists everyone.
    const target = t.sso.url;
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const url = new URL(req.url);
        url.searchParams.delete("filter");
        return await fetch(target + url.pathname + url.search, { headers: req.headers });
      },
    });
    stops.push(() => server.stop(true));
    const rt = await t.runtime({ SCIM_BASE_URL: `http://127.0.0.1:${server.port}/scim/v2` });
    const r = await rt.syncPerson("nobody@nowhere.example");
    expect(r.outcome).toBe("not_found");
    expect(await users().countDocuments()).toBe(0);
  });
});

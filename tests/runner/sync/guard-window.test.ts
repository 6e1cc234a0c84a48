// The guard over a rolling window, with the real engine, the development SSO and the MongoDB-wire server:
// the history it decides from is what the engine itself wrote.
import { afterEach, describe, expect, test } from "bun:test";
import { loadConfig } from "../../../runner/config.ts";
import { createRuntime, type Runtime } from "../../../runner/compose.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const TOKEN = "guard-window-static-token-0123456789";
const HOUR = 3_600_000;

let t: SyncEnv | null = null;
let rt: Runtime | null = null;
afterEach(async () => {
  await rt?.close();
  rt = null;
  await t?.close();
  t = null;
});

/** A clock the test moves: runs "a day later" without waiting a day. */
function testClock(start = Date.parse("2025-10-20T08:00:00Z")) {
  let ms = start;
  return { now: () => new Date(ms), advance: (d: number) => (ms += d) };
}

async function open(
  name: string,
  users: number,
  clock: ReturnType<typeof testClock>,
  extra: Record<string, string> = {},
) {
  t = await syncEnv(name, { users, maxResults: 100, staticToken: TOKEN });
  rt = await createRuntime(
    loadConfig({ ...t.env, SCIM_TIMEOUT_MS: "10000", ...extra }),
    silentLogger,
    { now: clock.now },
  );
  return { t, rt };
}

/** Deletes `share` of the SSO's active users through its SCIM API, as a leaking directory would. */
async function leak(e: SyncEnv, share: number): Promise<string[]> {
  const active = e.sso.sso.directory.list("User").filter((u) => u.active !== false);
  const victims = active.slice(0, Math.floor(active.length * share)).map((u) => String(u.id));
  for (const id of victims) {
    const res = await fetch(`${e.sso.url}/scim/v2/Users/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(204);
  }
  return victims;
}

const users = (e: SyncEnv) => e.mongo.db(e.dbName).collection("users");

describe("runSync() guard over SYNC_GUARD_WINDOW", () => {
  test(
    "runSync() aborts the second run of a directory losing 19% per run and keeps the total within the limit",
    async () => {
      const clock = testClock();
      const { t, rt } = await open("leak", 240, clock);
      const first = await rt.runSync({ type: "full" });
      expect(first.history.status).toBe("success");
      const activeIds =
        (await users(t).find({ isActive: true }, { projection: { ssoUserId: 1 } }).toArray())
          .map((d) => d.ssoUserId as string);
      const allowed = Math.floor(activeIds.length * 0.2);

      const statuses: string[] = [];
      const messages: string[] = [];
      for (let run = 1; run <= 6; run++) {
        clock.advance(HOUR);
        await leak(t, 0.19);
        const { history } = await rt.runSync({ type: "full" });
        statuses.push(history.status);
        if (history.error) messages.push(history.error.message);
      }
      expect(statuses[0]).toBe("success");
      expect(statuses.slice(1)).toEqual(["aborted", "aborted", "aborted", "aborted", "aborted"]);
      expect(messages[0]).toContain("already deactivated in the last 1d");
      expect(messages[0]).toContain("SYNC_GUARD_WINDOW");
      const gone = await users(t).countDocuments({
        ssoUserId: { $in: activeIds },
        isActive: false,
      });
      expect(gone).toBeGreaterThan(0);
      expect(gone).toBeLessThanOrEqual(allowed);

      // The operator looks, agrees, and forces: everyone the SSO no longer lists is deactivated.
      clock.advance(HOUR);
      const forced = await rt.runSync({ type: "full", force: true });
      expect(forced.history.status).toBe("success");
      expect(forced.history.forced).toBe(true);
      const present = new Set(
        t.sso.sso.directory.list("User").filter((u) => u.active !== false).map((u) => String(u.id)),
      );
      expect(await users(t).countDocuments({ isActive: true })).toBe(present.size);
      // What was forced is approved: a quiet run after it is not held against it.
      clock.advance(HOUR);
      expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
    },
    120_000,
  );

  test(
    "runSync() allows the same deactivations again once the earlier ones left the window",
    async () => {
      const clock = testClock();
      const { t, rt } = await open("expiry", 100, clock);
      expect((await rt.runSync({ type: "full" })).history.status).toBe("success");

      clock.advance(HOUR);
      await leak(t, 0.15);
      const second = await rt.runSync({ type: "full" });
      expect(second.history.status).toBe("success");
      expect(second.history.stats.usersDeactivated).toBeGreaterThan(0);

      clock.advance(HOUR);
      await leak(t, 0.15);
      const third = await rt.runSync({ type: "full" });
      expect(third.history.status).toBe("aborted");
      expect(third.history.stats.usersDeactivated).toBe(0);

      // A day after the second run, its deactivations no longer count: the same proposal passes.
      clock.advance(24 * HOUR);
      const later = await rt.runSync({ type: "full" });
      expect(later.history.status).toBe("success");
      expect(later.history.stats.usersDeactivated).toBeGreaterThan(0);
    },
    120_000,
  );

  test("runSync() with SYNC_GUARD_WINDOW=1h forgets a run two hours old", async () => {
    const clock = testClock();
    const { t, rt } = await open("short", 100, clock, { SYNC_GUARD_WINDOW: "1h" });
    await rt.runSync({ type: "full" });
    clock.advance(HOUR);
    await leak(t, 0.15);
    expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
    clock.advance(2 * HOUR);
    await leak(t, 0.15);
    expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  }, 120_000);
});

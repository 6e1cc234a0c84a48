/**
 * Real runner processes (`bun runner/main.ts`) on one MongoDB with an SSO in
 * another process: one sync at a time across replicas, takeover after the
 * leader is killed, graceful shutdown mid-sync.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "mongodb";
import type { SyncHistoryDoc } from "../../runner/store/collections.ts";
import { createLeaseStore } from "../../runner/store/lease-store.ts";
import { isFerretDb, openTestDb, type TestDb } from "./support/mongo.ts";
import { type RunnerProcess, startRunner, waitFor } from "./support/runner-process.ts";
import { type SsoProcess, startSso } from "./support/sso-process.ts";

let t: TestDb;
const started: RunnerProcess[] = [];
const ssos: SsoProcess[] = [];
const dbs: Db[] = [];

beforeAll(async () => {
  t = await openTestDb("daemon");
});
afterAll(async () => {
  for (const r of started) if (r.proc.exitCode === null) r.signal("SIGKILL");
  for (const s of ssos) await s.stop();
  for (const db of dbs) await db.dropDatabase().catch(() => {});
  await t.drop();
});

function database(suffix: string): { name: string; db: Db } {
  const name = `${t.name}_${suffix}`;
  const db = t.mongo.client.db(name);
  dbs.push(db);
  return { name, db };
}

async function sso(delayMs: number): Promise<SsoProcess> {
  const s = await startSso({ users: 20, delayMs });
  ssos.push(s);
  return s;
}

async function runner(env: Record<string, string>): Promise<RunnerProcess> {
  const r = await startRunner({
    MONGODB_URI: t.uri,
    SYNC_INTERVAL: "2s",
    LEASE_TTL_MS: "2000",
    SYNC_JITTER: "0",
    SCIM_RATE_LIMIT: "60000",
    SCIM_MAX_RETRIES: "1",
    LOG_LEVEL: "info",
    ...env,
  });
  started.push(r);
  return r;
}

const history = (db: Db) => db.collection<SyncHistoryDoc>("syncHistory");
const lock = (db: Db) => createLeaseStore(db).holder("scim-sync");

describe("runner daemon processes", () => {
  test("two runners on one MongoDB never run two syncs at once", async () => {
    const { name, db } = database("pair");
    const s = await sso(40);
    const env = { MONGODB_DB: name, ...s.env };
    const a = await runner({ ...env, RUNNER_ID: "runner-a" });
    const b = await runner({ ...env, RUNNER_ID: "runner-b" });
    await waitFor(
      async () => (await history(db).countDocuments({ status: "success" })) >= 4,
      40_000,
      "4 syncs",
    );
    a.signal("SIGTERM");
    b.signal("SIGTERM");
    expect([await a.exited, await b.exited]).toEqual([0, 0]);
    const runs = await history(db).find({}).sort({ startedAt: 1 }).toArray();
    expect(runs.every((r) => r.completedAt !== null)).toBe(true);
    const show = (r: SyncHistoryDoc) =>
      `${r.runner} ${r.status} ${r.startedAt.toISOString()}..${r.completedAt?.toISOString()}`;
    const overlaps = runs.slice(1)
      .filter((r, i) => r.startedAt.getTime() < runs[i]!.completedAt!.getTime())
      .map((r) => `${show(runs[runs.indexOf(r) - 1]!)} overlaps ${show(r)}`);
    expect(overlaps).toEqual([]);
    expect((await lock(db))?.owner ?? null).toBe(null);
    // Two replicas on FerretDB: each was told at start to run one for webhooks; elsewhere no word.
    const advised = (r: RunnerProcess) =>
      r.lines.some((l) => l.includes("run one runner for webhooks"));
    expect([advised(a), advised(b)]).toEqual(await isFerretDb(t) ? [true, true] : [false, false]);
  }, 60_000);

  test(
    "kill -9 of the leader mid-sync lets the other runner take over after the lease TTL",
    async () => {
      const { name, db } = database("takeover");
      const s = await sso(0);
      // The leader's first listing is held at page 2 for a minute: it is mid-sync for as
      // long as the test needs, however slow the machine (the fault fires once).
      await s.faults([{ kind: "delay", resource: "Users", page: 2, times: 1, ms: 60_000 }]);
      const env = { MONGODB_DB: name, ...s.env };
      const a = await runner({ ...env, RUNNER_ID: "runner-a" });
      await waitFor(
        async () => (await s.firedFaults()).some((f) => f.kind === "delay" && f.page === 2),
        15_000,
        "runner-a's request for page 2 held",
      );
      expect(await history(db).findOne({ runner: "runner-a" })).toMatchObject({
        status: "running",
      });
      const b = await runner({ ...env, RUNNER_ID: "runner-b" });
      // b has tried for the lease and been refused: awaited from its log, not slept for.
      await waitFor(
        () => b.lines.some((l) => l.includes("another runner holds the sync lease")),
        15_000,
        "runner-b refused the lease",
        20,
      );
      expect((await lock(db))?.owner).toBe("runner-a");
      a.signal("SIGKILL");
      const killedAt = Date.now();
      expect(await a.exited).not.toBe(0);
      const taken = await waitFor(
        () => history(db).findOne({ runner: "runner-b", status: "success" }),
        40_000,
        "runner-b's successful sync",
      );
      expect(taken.startedAt.getTime()).toBeGreaterThanOrEqual(killedAt);
      // The new leader closes the dead run's record.
      const dead = await history(db).findOne({ runner: "runner-a" });
      expect(dead?.status).toBe("failed");
      expect(dead?.error?.code).toBe("RUN_ABANDONED");
      b.signal("SIGTERM");
      expect(await b.exited).toBe(0);
    },
    60_000,
  );

  test(
    "SIGTERM mid-sync records the run as interrupted, releases the lease and exits 0",
    async () => {
      const { name, db } = database("sigterm");
      const s = await sso(1_000);
      const r = await runner({
        MONGODB_DB: name,
        ...s.env,
        RUNNER_ID: "runner-t",
        SHUTDOWN_GRACE_MS: "300",
      });
      await waitFor(() => history(db).findOne({ status: "running" }), 15_000, "a running sync");
      expect((await lock(db))?.owner).toBe("runner-t");
      const t0 = Date.now();
      r.signal("SIGTERM");
      expect(await r.exited).toBe(0);
      // The point: the run is interrupted after the 300 ms grace instead of finishing its
      // 1,000 users; generous for a loaded machine, far below a finished sync's time.
      expect(Date.now() - t0).toBeLessThan(8_000);
      const run = await history(db).findOne({ runner: "runner-t" });
      expect(run?.status).toBe("interrupted");
      expect(run?.completedAt).toBeInstanceOf(Date);
      expect((await lock(db))?.owner ?? null).toBe(null);
      expect(r.lines.some((l) => l.includes("SIGTERM received"))).toBe(true);
    },
    60_000,
  );
});

/**
 * The scheduler's promises kept by real runner processes (`bun runner/main.ts`) on a
 * real MongoDB-wire server and the development SSO in its own process — the
 * counterparts of the fast tests on fake time and an in-memory lease
 * (scheduler.test.ts): a run aborted when its lease is taken, no repeat of a sync
 * another replica finished, a back-off when MongoDB fails the run, and a run finished
 * within the shutdown grace. A held SSO request (support/hold-proxy.ts) keeps a runner
 * mid-sync for as long as a test needs; every step awaits an event.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "mongodb";
import { type MongoServer, startMongoServer } from "../../../dev/mongo-server.ts";
import type { SyncHistoryDoc } from "../../../runner/store/collections.ts";
import { holdProxy } from "../support/hold-proxy.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { type RunnerProcess, startRunner, waitFor } from "../support/runner-process.ts";
import { type SsoProcess, startSso } from "../support/sso-process.ts";
import { localServerTool } from "../support/tools.ts";

/** The back-off case kills a server of its own: this machine's local kind. */
const local = localServerTool();

let t: TestDb;
let sso: SsoProcess;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  t = await openTestDb("sched_daemon");
  sso = await startSso({ users: 12, delayMs: 0, maxResults: 5 });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await sso?.stop();
  await t?.drop();
});

function database(suffix: string): { name: string; db: Db } {
  const name = `${t.name}_${suffix}`;
  const db = t.mongo.client.db(name);
  cleanups.push(() => db.dropDatabase().catch(() => {}));
  return { name, db };
}

/** Holds the runner's second Users page (after the first one, so the run has begun). */
function holdSecondPage() {
  const front = holdProxy(
    sso.url,
    (u) => u.pathname.endsWith("/Users") && u.searchParams.get("startIndex") === "6",
  );
  cleanups.push(() => front.stop());
  return front;
}

async function runner(env: Record<string, string>): Promise<RunnerProcess> {
  const r = await startRunner({
    MONGODB_URI: t.uri,
    ...sso.env,
    SYNC_INTERVAL: "1h",
    SYNC_JITTER: "0",
    LEASE_TTL_MS: "2000",
    SCIM_RATE_LIMIT: "60000",
    SCIM_MAX_RETRIES: "0",
    LOG_LEVEL: "info",
    ...env,
  });
  cleanups.push(async () => {
    if (r.proc.exitCode === null) r.signal("SIGKILL");
    await r.exited;
  });
  return r;
}

/** The runner's JSON log lines. */
function logs(r: RunnerProcess): { msg: string; [k: string]: unknown }[] {
  return r.lines.flatMap((l) => {
    try {
      const j = JSON.parse(l);
      return j && typeof j.msg === "string" ? [j] : [];
    } catch {
      return [];
    }
  });
}

const history = (db: Db) => db.collection<SyncHistoryDoc>("syncHistory");
const leaseTerms = (db: Db) =>
  db.collection<{ owner: string | null; term: number; acquiredAt: Date; expiresAt: Date }>(
    "locks",
  );

// Concurrent: each test has its own database, proxy and processes, and mostly waits (the
// back-off case spends ~20 s in MongoDB's 5 s server selection, four times).
describe.concurrent("the scheduler of runner processes", () => {
  test(
    "a runner aborts its run and records it interrupted when another replica takes its lease in MongoDB",
    async () => {
      const { name, db } = database("lost");
      const front = holdSecondPage();
      const a = await runner({ MONGODB_DB: name, SSO_BASE_URL: front.url, RUNNER_ID: "runner-a" });
      await front.arrived;
      const own = await leaseTerms(db).find({}).sort({ term: -1 }).limit(1).next();
      expect(own?.owner).toBe("runner-a");
      // Another replica's term, as one that found runner-a's lease expired would write it.
      await leaseTerms(db).insertOne({
        _id: `scim-sync#${own!.term + 1}`,
        name: "scim-sync",
        term: own!.term + 1,
        owner: "runner-z",
        acquiredAt: new Date(),
        expiresAt: new Date(Date.now() + 60_000),
      } as never);
      const run = await waitFor(
        () => history(db).findOne({ runner: "runner-a", status: { $ne: "running" } }),
        20_000,
        "runner-a's run to end",
      );
      front.release();
      expect(run.status).toBe("interrupted");
      expect(logs(a).some((l) => l.msg.includes("Sync lease lost"))).toBe(true);
      // The lease stays the other replica's: runner-a released nothing of it.
      const latest = await leaseTerms(db).find({}).sort({ term: -1 }).limit(1).next();
      expect(latest?.owner).toBe("runner-z");
      expect(a.proc.exitCode).toBe(null);
    },
    60_000,
  );

  test(
    "a runner refused the lease does not repeat the sync the other runner finished meanwhile",
    async () => {
      const { name, db } = database("norepeat");
      const front = holdSecondPage();
      const env = { MONGODB_DB: name, SSO_BASE_URL: front.url };
      const a = await runner({ ...env, RUNNER_ID: "runner-a" });
      await front.arrived;
      const b = await runner({ ...env, RUNNER_ID: "runner-b" });
      await waitFor(
        () => logs(b).some((l) => l.msg.includes("another runner holds the sync lease")),
        15_000,
        "runner-b refused the lease",
        20,
      );
      front.release();
      const done = await waitFor(
        () => history(db).findOne({ runner: "runner-a", status: "success" }),
        20_000,
        "runner-a's sync to succeed",
      );
      // runner-b tries again after the lease TTL: it takes the lease, finds the sync done,
      // and gives the lease back — awaited as its term released after runner-a's success.
      await waitFor(
        () => leaseTerms(db).findOne({ acquiredAt: { $gt: done.completedAt! }, owner: null }),
        20_000,
        "runner-b to take and give back the lease after runner-a's success",
      );
      expect(await history(db).countDocuments({})).toBe(1);
      expect(await history(db).countDocuments({ runner: "runner-b" })).toBe(0);
      b.signal("SIGTERM");
      a.signal("SIGTERM");
      expect([await a.exited, await b.exited]).toEqual([0, 0]);
    },
    60_000,
  );

  // A command in flight when its MongoDB-wire server is SIGKILLed was seen to neither answer
  // nor fail (the driver under Bun logged the connection closed and never the command's end:
  // FerretDB, 6 of 26 runs with two CPU burners beside it). The run then held its lease and the
  // scheduler for good. Now the lease expires when no renewal is confirmed for LEASE_TTL_MS,
  // which aborts the run, and a run still not ended 5 s after its abort is given up
  // (runner/sync/run-deadline.ts giveUpAfterAbort), so it ends, and the scheduler backs off.
  test(
    "a runner whose MongoDB server dies mid-run backs off a minute before trying again",
    async () => {
      const server: MongoServer = await startMongoServer({ forceEmbedded: true });
      cleanups.push(() => server.stop());
      const front = holdSecondPage();
      const r = await runner({
        MONGODB_URI: server.uri,
        MONGODB_DB: `t_backoff_${process.pid}`,
        SSO_BASE_URL: front.url,
        RUNNER_ID: "runner-b",
        // Short, so that without the back-off the next try would come within seconds.
        SYNC_INTERVAL: "2m",
      });
      await front.arrived;
      server.kill();
      front.release();
      const retry = await waitFor(
        () => logs(r).find((l) => typeof l.retryInMs === "number" && /retrying/.test(l.msg)),
        30_000,
        "the scheduler to say when it retries",
      ).catch((e) => {
        console.log(r.lines.join("\n"));
        throw e;
      });
      // The first failure waits a minute (then 2, 4 … up to SYNC_INTERVAL), not the interval's
      // handful of seconds and not at once.
      expect(retry.retryInMs).toBe(60_000);
      r.signal("SIGTERM");
      expect(await r.exited).toBe(0);
    },
    60_000,
  );

  test(
    "SIGTERM mid-sync lets the run finish within SHUTDOWN_GRACE_MS, records it a success and exits 0",
    async () => {
      const { name, db } = database("grace");
      const front = holdSecondPage();
      const r = await runner({
        MONGODB_DB: name,
        SSO_BASE_URL: front.url,
        RUNNER_ID: "runner-g",
        SHUTDOWN_GRACE_MS: "60000",
      });
      await front.arrived;
      r.signal("SIGTERM");
      await waitFor(
        () => r.lines.some((l) => l.includes("SIGTERM received")),
        10_000,
        "the runner to take the signal",
        20,
      );
      expect(r.proc.exitCode).toBe(null);
      front.release();
      expect(await r.exited).toBe(0);
      const run = await history(db).findOne({ runner: "runner-g" });
      expect(run?.status).toBe("success");
      expect(run?.stats.usersCreated).toBe(12);
      const latest = await leaseTerms(db).find({}).sort({ term: -1 }).limit(1).next();
      expect(latest?.owner ?? null).toBe(null);
    },
    60_000,
  );
});

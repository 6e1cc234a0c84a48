/**
 * Clean stops through every launcher: SIGTERM or SIGINT sent to the process a
 * supervisor signals — npm itself for `npm start`, `npm run sync` and
 * `npm run purge` — stops the Bun process below it, which records the run
 * `interrupted` and releases the sync lease; idle and mid-work. npm does not
 * reliably pass the signal on (it kills its `sh -c`, or dies and leaves it),
 * so the runner watches its launcher (runner/process/launcher-watch.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "mongodb";
import { createRuntime } from "../../../runner/compose.ts";
import { loadConfig } from "../../../runner/config.ts";
import { createLeaseStore } from "../../../runner/store/lease-store.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { childMatching, isRunning, launch } from "../support/launched.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { waitFor } from "../support/runner-process.ts";
import { type SsoProcess, startSso } from "../support/sso-process.ts";

let t: TestDb;
let sso: SsoProcess;
const dbs: Db[] = [];
const DAY = 86_400_000;

beforeAll(async () => {
  t = await openTestDb("signals");
  // 30 people in pages of 5, each SCIM request 250 ms: a sync takes seconds, not milliseconds.
  sso = await startSso({ users: 30, delayMs: 250, maxResults: 5 });
});
afterAll(async () => {
  await sso.stop();
  for (const db of dbs) await db.dropDatabase().catch(() => {});
  await t.drop();
});

function env(suffix: string): { env: Record<string, string>; db: Db } {
  const name = `${t.name}_${suffix}`;
  const db = t.mongo.client.db(name);
  dbs.push(db);
  return {
    db,
    env: {
      ...sso.env,
      MONGODB_URI: t.uri,
      MONGODB_DB: name,
      SCIM_RATE_LIMIT: "60000",
      SCIM_MAX_RETRIES: "1",
      SHUTDOWN_GRACE_MS: "200",
      LEASE_TTL_MS: "60000",
      HOST: "127.0.0.1",
      PORT: "0",
    },
  };
}

const history = (db: Db) => db.collection("syncHistory");
const leaseHolder = (db: Db) => createLeaseStore(db).holder("scim-sync");

/** Signals npm and waits for npm and the Bun process below it to end; their codes. */
async function stopThroughNpm(
  npm: ReturnType<typeof launch>,
  bun: { pid: number },
  sig: "SIGTERM" | "SIGINT",
) {
  npm.proc.kill(sig);
  const npmCode = await npm.exited;
  await waitFor(() => !isRunning(bun.pid), 20_000, `the Bun process ${bun.pid} to exit`);
  return npmCode;
}

describe("npm run sync stopped through npm", () => {
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    test(
      `${sig} to npm mid-sync: the record says interrupted, the lease is released, Bun exits`,
      async () => {
        const { env: e, db } = env(`sync_${sig}`);
        const npm = launch(["npm", "run", "sync"], e);
        const bun = await childMatching(npm.proc.pid, /^\S*bun\S* runner\/cli\/sync\.ts/);
        await npm.line(/Fetching users/);
        expect(await leaseHolder(db)).not.toBeNull();
        const npmCode = await stopThroughNpm(npm, bun, sig);
        const records = await history(db).find({ type: "scim_full_sync" }).toArray();
        expect(records.map((r) => r.status)).toEqual(["interrupted"]);
        expect(await leaseHolder(db)).toBeNull();
        expect(npm.stdout.join("\n")).toContain("Synchronization Interrupted");
        // npm passes the signal to Bun (the script execs it) and exits with Bun's code: 128 + the signal.
        expect(npmCode).toBe(sig === "SIGTERM" ? 143 : 130);
      },
      60_000,
    );
  }
});

describe("npm killed outright", () => {
  test(
    "SIGKILL to npm mid-sync (nothing passed on): Bun sees its launcher gone, records interrupted, releases the lease",
    async () => {
      const { env: e, db } = env("sync_kill");
      const npm = launch(["npm", "run", "sync"], e);
      const bun = await childMatching(npm.proc.pid, /^\S*bun\S* runner\/cli\/sync\.ts/);
      await npm.line(/Fetching users/);
      npm.proc.kill("SIGKILL");
      await npm.exited;
      await waitFor(() => !isRunning(bun.pid), 20_000, `the Bun process ${bun.pid} to exit`);
      const records = await history(db).find({ type: "scim_full_sync" }).toArray();
      expect(records.map((r) => r.status)).toEqual(["interrupted"]);
      expect(await leaseHolder(db)).toBeNull();
      expect(npm.stdout.join("\n")).toContain("launcher gone: stopping");
    },
    60_000,
  );
});

describe("npm start stopped through npm", () => {
  test("SIGTERM to npm while idle: the runner stops, holding no lease", async () => {
    const { env: e, db } = env("start_idle");
    const npm = launch(["npm", "start"], { ...e, SYNC_ON_START: "false" });
    await npm.line(/^ready http/);
    const bun = await childMatching(npm.proc.pid, /^\S*bun\S* runner\/main\.ts/);
    // The daemon's clean stop is its normal end: exit 0, and npm's with it.
    expect(await stopThroughNpm(npm, bun, "SIGTERM")).toBe(0);
    expect([...npm.stdout, ...npm.stderr].join("\n")).toContain("Runner stopped");
    expect(await leaseHolder(db)).toBeNull();
    expect(await history(db).countDocuments({})).toBe(0);
  }, 60_000);

  test(
    "SIGTERM to npm mid-sync: interrupted after the grace, lease released, runner stopped",
    async () => {
      const { env: e, db } = env("start_busy");
      const npm = launch(["npm", "start"], { ...e, SYNC_ON_START: "true" });
      const bun = await childMatching(npm.proc.pid, /^\S*bun\S* runner\/main\.ts/);
      await npm.line(/Fetching users/);
      expect(await stopThroughNpm(npm, bun, "SIGTERM")).toBe(0);
      const records = await history(db).find({}).toArray();
      expect(records.map((r) => r.status)).toEqual(["interrupted"]);
      expect(await leaseHolder(db)).toBeNull();
      expect([...npm.stdout, ...npm.stderr].join("\n")).toContain("Runner stopped");
    },
    60_000,
  );
});

describe("npm run purge stopped through npm", () => {
  test(
    "SIGTERM to npm while the SSO is asked: the purge is recorded interrupted, nothing deleted, lease released",
    async () => {
      const { env: e, db } = env("purge");
      const rt = await createRuntime(loadConfig(e), silentLogger);
      try {
        expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
      } finally {
        await rt.close();
      }
      // All 30 deactivated 200 days ago: each a candidate the SSO is asked about (250 ms a request).
      const users = db.collection("users");
      await users.updateMany({}, {
        $set: { isActive: false, deactivatedAt: new Date(Date.now() - 200 * DAY) },
      });
      const npm = launch(["npm", "run", "purge", "--", "--inactive-for", "90d", "--apply"], e);
      const bun = await childMatching(npm.proc.pid, /^\S*bun\S* runner\/cli\/purge\.ts/);
      await npm.line(/Checked with the SSO/);
      expect(await stopThroughNpm(npm, bun, "SIGTERM")).toBe(143);
      const purge = await history(db).find({ type: "purge" }).toArray();
      expect(purge.map((r) => r.status)).toEqual(["interrupted"]);
      expect(await users.countDocuments({})).toBe(30);
      expect(await leaseHolder(db)).toBeNull();
    },
    90_000,
  );
});

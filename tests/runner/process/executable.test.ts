/**
 * The one executable (`npm run build` → `scim-sync`): a real sync against
 * the development SSO with `scim-sync sync --json`, and the same clean stops
 * as through npm when a supervisor signals the executable itself. `.ci/run`
 * builds it and passes its path as SCIM_SYNC_EXECUTABLE; alone, this file
 * builds one into .cache/bin (a second or two).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Db } from "mongodb";
import { createLeaseStore } from "../../../runner/store/lease-store.ts";
import { launch, ROOT } from "../support/launched.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { type SsoProcess, startSso } from "../support/sso-process.ts";

let t: TestDb;
let sso: SsoProcess;
let exe: string;
const dbs: Db[] = [];

/** The executable CI built, or one built now. */
async function executable(): Promise<string> {
  const given = process.env.SCIM_SYNC_EXECUTABLE;
  if (given && existsSync(given)) return given;
  const out = resolve(ROOT, ".cache/bin/scim-sync");
  mkdirSync(resolve(ROOT, ".cache/bin"), { recursive: true });
  const build = Bun.spawn([process.execPath, "scripts/build.ts", "--outfile", out], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const text = await new Response(build.stderr).text();
  if ((await build.exited) !== 0) throw new Error(`npm run build failed:\n${text}`);
  return out;
}

beforeAll(async () => {
  [t, sso, exe] = await Promise.all([
    openTestDb("exe"),
    startSso({ users: 30, delayMs: 150, maxResults: 5 }),
    executable(),
  ]);
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
      SHUTDOWN_GRACE_MS: "200",
      HOST: "127.0.0.1",
      PORT: "0",
    },
  };
}

const leaseHolder = (db: Db) => createLeaseStore(db).holder("scim-sync");

describe("the scim-sync executable", () => {
  test(
    "`scim-sync sync --json` syncs the development SSO and prints only the JSON record on stdout",
    async () => {
      const { env: e, db } = env("sync");
      const run = launch([exe, "sync", "--json"], e);
      expect(await run.exited).toBe(0);
      const doc = JSON.parse(run.stdout.join("\n"));
      expect(doc).toMatchObject({
        type: "scim_full_sync",
        status: "success",
        stats: { usersCreated: 30, errors: [] },
      });
      expect(await db.collection("users").countDocuments({ ssoUserId: { $type: "string" } })).toBe(
        30,
      );
      expect(run.stderr.join("\n")).toContain("Synchronization Completed Successfully");
    },
    60_000,
  );

  test(
    "`scim-sync version` prints package.json's version; an unknown command exits 2",
    async () => {
      const version = (await Bun.file(resolve(ROOT, "package.json")).json()).version;
      const v = launch([exe, "version"], {});
      expect(await v.exited).toBe(0);
      expect(v.stdout).toEqual([version]);
      const bad = launch([exe, "syncc"], {});
      expect(await bad.exited).toBe(2);
      expect(bad.stderr.join("\n")).toContain('Unknown command "syncc"');
    },
    30_000,
  );

  test("SIGTERM to `scim-sync sync` mid-sync: interrupted, lease released, exit 143", async () => {
    const { env: e, db } = env("sync_term");
    const run = launch([exe, "sync"], e);
    await run.line(/Fetching users/);
    run.proc.kill("SIGTERM");
    expect(await run.exited).toBe(143);
    const records = await db.collection("syncHistory").find({}).toArray();
    expect(records.map((r) => r.status)).toEqual(["interrupted"]);
    expect(await leaseHolder(db)).toBeNull();
  }, 60_000);

  test(
    "SIGTERM to `scim-sync start` mid-sync: interrupted after the grace, lease released, exit 0",
    async () => {
      const { env: e, db } = env("start_term");
      const run = launch([exe, "start"], { ...e, SYNC_ON_START: "true" });
      await run.line(/Fetching users/);
      run.proc.kill("SIGTERM");
      expect(await run.exited).toBe(0);
      const records = await db.collection("syncHistory").find({}).toArray();
      expect(records.map((r) => r.status)).toEqual(["interrupted"]);
      expect(await leaseHolder(db)).toBeNull();
      expect([...run.stdout, ...run.stderr].join("\n")).toContain("Runner stopped");
    },
    60_000,
  );
});

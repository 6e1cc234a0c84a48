/**
 * The production install without the executable: a copy of what the runner
 * needs, `npm ci --omit=dev` (from npm's cache: `--prefer-offline`), then
 * `npm start` — Bun is a dependency, so it is there — answering /health and
 * stopping cleanly on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { killTree, launch, type Launched } from "../support/launched.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

const ROOT = resolve(import.meta.dir, "../../..");
let dir: string;
let t: TestDb;
let runner: Launched | null = null;

beforeAll(async () => {
  t = await openTestDb("prodinstall");
  dir = mkdtempSync(join(tmpdir(), "scim-sync-prod-"));
  for (
    const p of ["runner", "shared", "package.json", "package-lock.json", ".npmrc", "tsconfig.json"]
  ) {
    cpSync(resolve(ROOT, p), join(dir, p), { recursive: true });
  }
});
afterAll(async () => {
  if (runner) killTree(runner.proc.pid);
  rmSync(dir, { recursive: true, force: true });
  await t.drop();
});

describe("npm ci --omit=dev && npm start", () => {
  test("installs Bun with the production dependencies and starts the daemon", async () => {
    const install = launch(["npm", "ci", "--omit=dev", "--prefer-offline", "--no-audit"], {}, dir);
    expect({ code: await install.exited, err: install.stderr.join("\n") }).toMatchObject({
      code: 0,
    });
    expect(existsSync(join(dir, "node_modules/.bin/bun"))).toBe(true);
    expect(existsSync(join(dir, "node_modules/typescript"))).toBe(false); // no dev dependencies
    runner = launch(["npm", "start"], {
      SCIM_CLIENT_ID: "scim-dev-client",
      SCIM_CLIENT_SECRET: "dev-secret-change-me",
      SSO_BASE_URL: "http://127.0.0.1:1",
      MONGODB_URI: t.uri,
      MONGODB_DB: t.name,
      SYNC_ON_START: "false",
      HOST: "127.0.0.1",
      PORT: "0",
    }, dir);
    const url = /ready (\S+)/.exec(await runner.line(/^ready http/, 60_000))![1]!;
    const health = await fetch(`${url}/health`);
    // The SSO at port 1 does not answer: degraded, not down.
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("degraded");
    runner.proc.kill("SIGTERM");
    expect(await runner.exited).toBe(0);
  }, 240_000);
});

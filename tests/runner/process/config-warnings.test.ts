/**
 * Configuration mistakes caught at start by the real runner process: a
 * misspelled variable is named with the closest known one, a placeholder
 * secret of .env.example stops it with exit 2.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { launch } from "../support/launched.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("cfgwarn");
});
afterAll(() => t.drop());

const base = () => ({
  SCIM_CLIENT_ID: "scim-dev-client",
  SCIM_CLIENT_SECRET: "dev-secret-change-me",
  SSO_BASE_URL: "http://127.0.0.1:1",
  MONGODB_URI: t.uri,
  MONGODB_DB: t.name,
  SYNC_ON_START: "false",
  HOST: "127.0.0.1",
  PORT: "0",
});

describe("the runner's configuration at start", () => {
  test(
    "SYNC_INTERVALL=15m: a warning naming SYNC_INTERVAL, and the runner still starts",
    async () => {
      const r = launch([process.execPath, "runner/main.ts"], { ...base(), SYNC_INTERVALL: "15m" });
      await r.line(/^ready http/);
      r.proc.kill("SIGTERM");
      expect(await r.exited).toBe(0);
      expect(r.stderr).toContain(
        "⚠️ SYNC_INTERVALL is not a variable scim-sync reads, so it is ignored: did you mean SYNC_INTERVAL?",
      );
    },
    30_000,
  );

  test(
    "the webhook secret placeholder of .env.example: exit 2 before any connection, naming it",
    async () => {
      const r = launch([process.execPath, "runner/main.ts"], {
        ...base(),
        SCIM_WEBHOOK_SECRET: "replace-with-openssl-rand-hex-32-output",
      });
      expect(await r.exited).toBe(2);
      const text = r.stderr.join("\n");
      expect(text).toContain("SCIM_WEBHOOK_SECRET is still the placeholder from .env.example");
      expect(text).not.toContain("replace-with-openssl");
    },
    30_000,
  );
});

/**
 * ADMIN_TOKEN had no minimum length (issue 9, item 10): now the one secret
 * rule of shared/secret-rules.ts (16 bytes) applies to it as to the HMAC secrets.
 */
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../../runner/config.ts";
import { ConfigError } from "../../../shared/errors.ts";
import { startRunner } from "../support/runner-process.ts";

const CREDS = { SCIM_CLIENT_ID: "scim-dev-client", SCIM_CLIENT_SECRET: "dev-secret-change-me" };

describe("loadConfig() ADMIN_TOKEN", () => {
  test("loadConfig() throws a ConfigError naming ADMIN_TOKEN, not its value, when it is shorter than 16 bytes", () => {
    let error: unknown;
    try {
      loadConfig({ ...CREDS, ADMIN_TOKEN: "hunter2-short" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(["ADMIN_TOKEN"]);
    expect((error as Error).message).toContain("at least 16 bytes");
    expect((error as Error).message).not.toContain("hunter2");
  });

  test("loadConfig() accepts a 16-byte ADMIN_TOKEN and treats an empty one as unset", () => {
    expect(loadConfig({ ...CREDS, ADMIN_TOKEN: "0123456789abcdef" }).adminToken).toBe(
      "0123456789abcdef",
    );
    expect(loadConfig({ ...CREDS, ADMIN_TOKEN: "  " }).adminToken).toBe(null);
  });

  test("loadConfig() counts bytes, not characters: 8 two-byte characters pass, 15 ASCII do not", () => {
    expect(loadConfig({ ...CREDS, ADMIN_TOKEN: "éééééééé" }).adminToken).toBe("éééééééé");
    expect(() => loadConfig({ ...CREDS, ADMIN_TOKEN: "0123456789abcde" })).toThrow(ConfigError);
  });
});

describe("npm start with a short ADMIN_TOKEN", () => {
  test("runner/main.ts exits 2 naming ADMIN_TOKEN when ADMIN_TOKEN is shorter than 16 bytes", async () => {
    const run = startRunner(
      { ...CREDS, ADMIN_TOKEN: "short-token", SYNC_ON_START: "false" },
      15_000,
    );
    const error = await run.then(() => null, (e: Error) => e);
    expect(error?.message).toContain("runner exited 2 before ready");
    expect(error?.message).toContain("ADMIN_TOKEN must be at least 16 bytes");
    expect(error?.message).not.toContain("short-token");
  });
});

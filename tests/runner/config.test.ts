import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "../../shared/errors.ts";
import { loadConfig } from "../../runner/config.ts";

const creds = { SCIM_CLIENT_ID: "scim-abc", SCIM_CLIENT_SECRET: "very-secret-value" };

describe("loadConfig()", () => {
  test("loadConfig() fills the guide's defaults when only credentials are set", () => {
    const c = loadConfig(creds);
    expect(c.scimBaseUrl).toBe("http://localhost:5173/scim/v2");
    expect(c.tokenUrl).toBe("http://localhost:5173/scim/v2/token");
    expect(c.rateLimitPerMinute).toBe(100);
    expect(c.mongoDb).toBe("ofm");
    expect(c.maxDeactivate).toEqual({ kind: "percent", value: 20 });
    expect(c.syncIntervalMs).toBe(6 * 3600_000);
    expect(c.jitterMs).toBe(Math.round(6 * 3600_000 * 0.05));
    expect(c.port).toBe(5174);
  });

  test("loadConfig() throws the guide's message when credentials are missing", () => {
    expect(() => loadConfig({})).toThrow("SCIM_CLIENT_ID and SCIM_CLIENT_SECRET must be set");
    // Only one of the two: still the typed error, with its stable code.
    let thrown: unknown = null;
    try {
      loadConfig({ SCIM_CLIENT_ID: "x" });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).code).toBe("CREDENTIALS_MISSING");
    expect((thrown as ConfigError).message).toContain(
      "SCIM_CLIENT_ID and SCIM_CLIENT_SECRET must be set",
    );
  });

  test("loadConfig() accepts a static bearer token instead of client credentials", () => {
    const c = loadConfig({
      SCIM_BEARER_TOKEN: "tok",
      SCIM_BASE_URL: "https://idp.example/scim/v2/",
    });
    expect(c.auth).toEqual({ kind: "bearer", token: "tok" });
    expect(c.scimBaseUrl).toBe("https://idp.example/scim/v2");
  });

  test("loadConfig() names each malformed variable and never echoes a secret", () => {
    try {
      loadConfig({
        ...creds,
        SSO_BASE_URL: "not a url",
        SCIM_RATE_LIMIT: "-3",
        SYNC_INTERVAL: "soon",
      });
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toContain("SSO_BASE_URL");
      expect(msg).toContain("SCIM_RATE_LIMIT");
      expect(msg).toContain("SYNC_INTERVAL");
      expect(msg).not.toContain("very-secret-value");
    }
  });

  test("loadConfig() parses SYNC_MAX_DEACTIVATE as a percentage or a count", () => {
    expect(loadConfig({ ...creds, SYNC_MAX_DEACTIVATE: "5%" }).maxDeactivate).toEqual({
      kind: "percent",
      value: 5,
    });
    expect(loadConfig({ ...creds, SYNC_MAX_DEACTIVATE: "250" }).maxDeactivate).toEqual({
      kind: "count",
      value: 250,
    });
    expect(() => loadConfig({ ...creds, SYNC_MAX_DEACTIVATE: "lots" })).toThrow(
      "SYNC_MAX_DEACTIVATE",
    );
  });

  test("loadConfig() refuses SYNC_EXCLUDE_FIELDS naming an unknown field or isActive", () => {
    expect(loadConfig({ ...creds, SYNC_EXCLUDE_FIELDS: "phone, positionId" }).excludeFields)
      .toEqual(["phone", "positionId"]);
    expect(() => loadConfig({ ...creds, SYNC_EXCLUDE_FIELDS: "shoeSize" })).toThrow("shoeSize");
    expect(() => loadConfig({ ...creds, SYNC_EXCLUDE_FIELDS: "isActive" })).toThrow("isActive");
  });
});

describe("loadConfig() run and response limits", () => {
  test("loadConfig() reads SCIM_MAX_RESPONSE_BYTES in bytes or binary units, 32 MiB by default", () => {
    expect(loadConfig(creds).maxResponseBytes).toBe(32 * 2 ** 20);
    expect(loadConfig({ ...creds, SCIM_MAX_RESPONSE_BYTES: "8MiB" }).maxResponseBytes).toBe(
      8 * 2 ** 20,
    );
    expect(loadConfig({ ...creds, SCIM_MAX_RESPONSE_BYTES: "1048576" }).maxResponseBytes).toBe(
      2 ** 20,
    );
    for (const bad of ["lots", "1KiB", "-5"]) {
      const err = (() => {
        try {
          loadConfig({ ...creds, SCIM_MAX_RESPONSE_BYTES: bad });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variables).toEqual(["SCIM_MAX_RESPONSE_BYTES"]);
    }
  });

  test("loadConfig() reads SYNC_MAX_DURATION as a duration, 30 minutes by default", () => {
    expect(loadConfig(creds).maxSyncDurationMs).toBe(30 * 60_000);
    expect(loadConfig({ ...creds, SYNC_MAX_DURATION: "2h" }).maxSyncDurationMs).toBe(2 * 3600_000);
    expect(() => loadConfig({ ...creds, SYNC_MAX_DURATION: "forever" })).toThrow(
      "SYNC_MAX_DURATION",
    );
  });
});

describe("loadConfig() webhook section and shared rules", () => {
  test("loadConfig() reads the webhook section shared with the edge, with the edge's defaults", () => {
    expect(loadConfig(creds).webhook).toEqual({
      secrets: [],
      standardSecrets: [],
      maxBytes: 262144,
      toleranceSeconds: 300,
      requireTimestamp: false,
      allowedIps: [],
      trustedProxies: [],
    });
    const c = loadConfig({
      ...creds,
      SCIM_WEBHOOK_SECRET: "runner-webhook-secret-0123",
      STANDARD_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      WEBHOOK_MAX_BYTES: "4096",
      WEBHOOK_TOLERANCE_SECONDS: "60",
      WEBHOOK_REQUIRE_TIMESTAMP: "TRUE",
      WEBHOOK_ALLOWED_IPS: "203.0.113.0/24",
      TRUSTED_PROXIES: "10.0.0.0/8",
    });
    expect(c.webhook).toMatchObject({
      secrets: ["runner-webhook-secret-0123"],
      standardSecrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
      maxBytes: 4096,
      toleranceSeconds: 60,
      requireTimestamp: true,
    });
    expect(c.webhook.allowedIps.map((b) => b.text)).toEqual(["203.0.113.0/24"]);
    expect(c.webhook.trustedProxies.map((b) => b.text)).toEqual(["10.0.0.0/8"]);
  });

  test("loadConfig() refuses a short secret in any rotation and never prints it", () => {
    for (const name of ["SCIM_WEBHOOK_SECRET", "INGEST_SECRET", "ADMIN_TOKEN"]) {
      try {
        loadConfig({ ...creds, [name]: "tiny-secret" });
        throw new Error("expected a ConfigError");
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).variables).toEqual([name]);
        expect((e as Error).message).not.toContain("tiny-secret");
      }
    }
  });

  test("loadConfig() reads booleans by the one rule of shared/env.ts", () => {
    expect(loadConfig({ ...creds, SYNC_ON_START: "off" }).syncOnStart).toBe(false);
    expect(loadConfig({ ...creds, SYNC_ON_START: "Yes" }).syncOnStart).toBe(true);
    expect(() => loadConfig({ ...creds, SYNC_ON_START: "maybe" })).toThrow("SYNC_ON_START");
  });
});

describe("loadConfig() placeholders of .env.example", () => {
  /** .env.example's active lines as an environment. */
  const example = Object.fromEntries(
    [
      ...readFileSync(resolve(import.meta.dir, "../../.env.example"), "utf8")
        .matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm),
    ].map((m) => [m[1], m[2]]),
  ) as Record<string, string>;

  test("loadConfig() refuses .env.example copied as it is: both placeholder secrets, named, never shown", () => {
    let error: unknown;
    try {
      loadConfig(example);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect([...e.variables].sort()).toEqual(["INGEST_SECRET", "SCIM_WEBHOOK_SECRET"]);
    expect(e.message).not.toContain("replace-with");
  });

  test("loadConfig() takes the demo's client secret only for a development SSO on this machine", () => {
    const demo = { SCIM_CLIENT_ID: "scim-dev-client", SCIM_CLIENT_SECRET: "dev-secret-change-me" };
    expect(loadConfig({ ...demo, SSO_BASE_URL: "http://127.0.0.1:5173" }).auth.kind).toBe(
      "client_credentials",
    );
    expect(() => loadConfig({ ...demo, SSO_BASE_URL: "https://sso.example.com" })).toThrow(
      /SCIM_CLIENT_SECRET is the demo's placeholder/,
    );
    // A token endpoint elsewhere counts, whatever SSO_BASE_URL says.
    expect(() =>
      loadConfig({
        ...demo,
        SSO_BASE_URL: "http://127.0.0.1:5173",
        SCIM_TOKEN_URL: "https://login.example.com/token",
      })
    ).toThrow(ConfigError);
  });
});

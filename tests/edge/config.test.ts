// The edge's environment: defaults, rotation lists, and refusals that name
// the variable without printing its value.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadEdgeConfig } from "../../edge/config.ts";
import { ConfigError } from "../../shared/errors.ts";

const GOOD = {
  SCIM_WEBHOOK_SECRET: "edge-test-secret-0123456789",
  INGEST_SECRET: "ingest-secret-0123456789",
};

function refusal(env: Record<string, string | undefined>, variable: string, leaked?: string): void {
  assert.throws(() => loadEdgeConfig(env), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.ok(e.variables.includes(variable), e.message);
    assert.match(e.message, new RegExp(variable));
    if (leaked) assert.ok(!e.message.includes(leaked), e.message);
    return true;
  });
}

describe("loadEdgeConfig()", () => {
  test("loadEdgeConfig() fills the documented defaults", () => {
    const c = loadEdgeConfig(GOOD);
    assert.equal(c.PORT, 8000);
    assert.equal(c.OFM_INGEST_URL, "http://127.0.0.1:5174/api/v1/scim/events");
    assert.equal(c.WEBHOOK_TOLERANCE_SECONDS, 300);
    assert.equal(c.WEBHOOK_REQUIRE_TIMESTAMP, false);
    assert.equal(c.WEBHOOK_MAX_BYTES, 262144);
    assert.equal(c.FORWARD_DEADLINE_MS, 10000);
    assert.deepEqual(c.STANDARD_WEBHOOK_SECRET, []);
    assert.equal(c.LOG_LEVEL, "info");
  });

  test("loadEdgeConfig() splits comma-separated secrets of a rotation", () => {
    const c = loadEdgeConfig({
      ...GOOD,
      SCIM_WEBHOOK_SECRET: "new-secret-0123456789, old-secret-0123456789",
    });
    assert.deepEqual(c.SCIM_WEBHOOK_SECRET, ["new-secret-0123456789", "old-secret-0123456789"]);
  });

  test("loadEdgeConfig() parses the limits and WEBHOOK_REQUIRE_TIMESTAMP", () => {
    const c = loadEdgeConfig({
      ...GOOD,
      WEBHOOK_REQUIRE_TIMESTAMP: "TRUE",
      WEBHOOK_MAX_BYTES: "1024",
      FORWARD_DEADLINE_MS: "500",
      PORT: "0",
    });
    assert.equal(c.WEBHOOK_REQUIRE_TIMESTAMP, true);
    assert.equal(c.WEBHOOK_MAX_BYTES, 1024);
    assert.equal(c.FORWARD_DEADLINE_MS, 500);
    assert.equal(c.PORT, 0);
  });

  test("loadEdgeConfig() refuses a webhook secret shorter than 16 bytes and never prints it", () => {
    refusal(
      { ...GOOD, SCIM_WEBHOOK_SECRET: "short-secret" },
      "SCIM_WEBHOOK_SECRET",
      "short-secret",
    );
  });

  test("loadEdgeConfig() refuses a short secret hidden in a rotation list", () => {
    refusal(
      { ...GOOD, SCIM_WEBHOOK_SECRET: "long-enough-secret-0123,tiny" },
      "SCIM_WEBHOOK_SECRET",
      "tiny",
    );
  });

  test("loadEdgeConfig() refuses a missing or short INGEST_SECRET", () => {
    refusal({ SCIM_WEBHOOK_SECRET: GOOD.SCIM_WEBHOOK_SECRET }, "INGEST_SECRET");
    refusal({ ...GOOD, INGEST_SECRET: "abc" }, "INGEST_SECRET", "abc");
  });

  test("loadEdgeConfig() refuses a Standard Webhooks secret that is not whsec_ base64", () => {
    refusal(
      { ...GOOD, STANDARD_WEBHOOK_SECRET: "whsec_not*base64*at*all" },
      "STANDARD_WEBHOOK_SECRET",
      "not*base64",
    );
    assert.deepEqual(
      loadEdgeConfig({ ...GOOD, STANDARD_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })
        .STANDARD_WEBHOOK_SECRET,
      ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    );
  });

  test("loadEdgeConfig() refuses nonsense numbers, URLs and levels, naming each variable", () => {
    refusal({ ...GOOD, WEBHOOK_TOLERANCE_SECONDS: "-5" }, "WEBHOOK_TOLERANCE_SECONDS");
    refusal({ ...GOOD, WEBHOOK_MAX_BYTES: "lots" }, "WEBHOOK_MAX_BYTES", "lots");
    refusal({ ...GOOD, OFM_INGEST_URL: "not a url" }, "OFM_INGEST_URL", "not a url");
    refusal({ ...GOOD, WEBHOOK_REQUIRE_TIMESTAMP: "maybe" }, "WEBHOOK_REQUIRE_TIMESTAMP", "maybe");
    refusal({ ...GOOD, LOG_LEVEL: "loud" }, "LOG_LEVEL", "loud");
  });
});

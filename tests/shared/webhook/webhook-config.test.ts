// The webhook section of the environment, read the same way by the edge and
// the runner, and turned into the webhook app's options by one function.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseEnv } from "../../../shared/env.ts";
import { ConfigError } from "../../../shared/errors.ts";
import {
  webhookAppOptions,
  webhookConfig,
  WebhookEnv,
} from "../../../shared/webhook/webhook-config.ts";

const SECRET = "section-secret-0123456789";
const STANDARD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const forward = async () => ({ ok: true as const, status: "success" as const });

describe("webhookConfig()", () => {
  test("webhookConfig() fills the documented defaults", () => {
    assert.deepEqual(webhookConfig(parseEnv(WebhookEnv, {})), {
      secrets: [],
      standardSecrets: [],
      maxBytes: 262144,
      toleranceSeconds: 300,
      requireTimestamp: false,
      allowedIps: [],
      trustedProxies: [],
    });
  });

  test("webhookConfig() reads every variable of the section", () => {
    const c = webhookConfig(parseEnv(WebhookEnv, {
      SCIM_WEBHOOK_SECRET: `${SECRET},old-${SECRET}`,
      STANDARD_WEBHOOK_SECRET: STANDARD,
      WEBHOOK_MAX_BYTES: "1024",
      WEBHOOK_TOLERANCE_SECONDS: "60",
      WEBHOOK_REQUIRE_TIMESTAMP: "yes",
      WEBHOOK_ALLOWED_IPS: "203.0.113.0/24, 2001:db8::/32",
      TRUSTED_PROXIES: "10.0.0.1",
    }));
    assert.deepEqual(c, {
      secrets: [SECRET, `old-${SECRET}`],
      standardSecrets: [STANDARD],
      maxBytes: 1024,
      toleranceSeconds: 60,
      requireTimestamp: true,
      allowedIps: [
        { network: 0xffffcb007100n, prefix: 120, text: "203.0.113.0/24" },
        { network: 0x20010db8n << 96n, prefix: 32, text: "2001:db8::/32" },
      ],
      trustedProxies: [{ network: 0xffff0a000001n, prefix: 128, text: "10.0.0.1" }],
    });
  });

  test("webhookConfig()'s section refuses a short Standard Webhooks key and a zero tolerance, naming both", () => {
    assert.throws(
      () =>
        parseEnv(WebhookEnv, {
          STANDARD_WEBHOOK_SECRET: "whsec_c2hvcnQ=",
          WEBHOOK_TOLERANCE_SECONDS: "0",
        }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual([...e.variables].sort(), [
          "STANDARD_WEBHOOK_SECRET",
          "WEBHOOK_TOLERANCE_SECONDS",
        ]);
        assert.ok(!e.message.includes("c2hvcnQ"));
        return true;
      },
    );
  });
});

describe("webhookAppOptions()", () => {
  test("webhookAppOptions() passes every secret and limit of the section to the app", () => {
    const c = webhookConfig(parseEnv(WebhookEnv, {
      SCIM_WEBHOOK_SECRET: SECRET,
      STANDARD_WEBHOOK_SECRET: STANDARD,
      WEBHOOK_MAX_BYTES: "2048",
      WEBHOOK_TOLERANCE_SECONDS: "30",
      WEBHOOK_REQUIRE_TIMESTAMP: "on",
    }));
    const options = webhookAppOptions(c, { forward });
    assert.deepEqual(options.secrets, [SECRET]);
    assert.deepEqual(options.standardWebhookSecrets, [STANDARD]);
    assert.deepEqual(options.limits, {
      maxBytes: 2048,
      toleranceSeconds: 30,
      requireTimestamp: true,
    });
    assert.equal(options.forward, forward);
  });
});

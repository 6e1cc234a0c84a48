// The webhook source allowlist: address and CIDR parsing, the client address
// behind trusted proxies (and spoofed X-Forwarded-For ignored), the config
// section's ConfigError, and the app's 403 before the body is read.
// Runs under `bun test` and `deno test`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Context } from "hono";
import { parseEnv } from "../../../shared/env.ts";
import { ConfigError } from "../../../shared/errors.ts";
import { createWebhookApp } from "../../../shared/webhook/app.ts";
import { type Cidr, inCidr, parseCidr, parseIp } from "../../../shared/webhook/ip-address.ts";
import { clientAddress } from "../../../shared/webhook/source-allowlist.ts";
import { webhookConfig, WebhookEnv } from "../../../shared/webhook/webhook-config.ts";
import { signScimBody } from "../../../shared/signature.ts";

const SECRET = "allowlist-test-secret-0123456789";

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.cidr;
}
const allows = (block: string, address: string) => inCidr(parseIp(address)!, cidr(block));

describe("parseIp()", () => {
  test("parseIp() reads IPv4, IPv6 with zero-compression and an IPv4 tail, brackets and zones", () => {
    assert.equal(parseIp("::1"), 1n);
    assert.equal(parseIp("::"), 0n);
    assert.equal(parseIp("2001:db8::1"), (0x20010db8n << 96n) | 1n);
    assert.equal(parseIp("2001:DB8:0:0:0:0:0:1"), parseIp("2001:db8::1"));
    assert.equal(parseIp("[::1]"), 1n);
    assert.equal(parseIp("fe80::1%eth0"), (0xfe80n << 112n) | 1n);
    assert.equal(parseIp("1::"), 1n << 112n);
    assert.equal(parseIp("10.0.0.1"), 0xffff0a000001n);
  });

  test("parseIp() treats an IPv4 address and its IPv4-mapped IPv6 form as the same address", () => {
    assert.equal(parseIp("::ffff:192.0.2.7"), parseIp("192.0.2.7"));
    assert.equal(parseIp("::ffff:c000:207"), parseIp("192.0.2.7"));
  });

  test("parseIp() returns null when the text is not an address", () => {
    for (
      const bad of [
        "",
        "10.0.0",
        "10.0.0.256",
        "010.0.0.1",
        "1.2.3.4.5",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::8",
        "1::2::3",
        "12345::",
        ":::",
        "::ffff:1.2.3",
        "localhost",
      ]
    ) {
      assert.equal(parseIp(bad), null, bad);
    }
  });
});

describe("parseCidr() and inCidr()", () => {
  test("inCidr() matches the first and last address of an IPv4 block and not their neighbours", () => {
    assert.equal(allows("192.168.4.0/22", "192.168.4.0"), true);
    assert.equal(allows("192.168.4.0/22", "192.168.7.255"), true);
    assert.equal(allows("192.168.4.0/22", "192.168.3.255"), false);
    assert.equal(allows("192.168.4.0/22", "192.168.8.0"), false);
  });

  test("inCidr() matches only the address itself when the block is a /32 or a /128 or a bare address", () => {
    assert.equal(allows("203.0.113.9/32", "203.0.113.9"), true);
    assert.equal(allows("203.0.113.9/32", "203.0.113.10"), false);
    assert.equal(allows("203.0.113.9", "203.0.113.9"), true);
    assert.equal(allows("2001:db8::9/128", "2001:db8::9"), true);
    assert.equal(allows("2001:db8::9/128", "2001:db8::8"), false);
    assert.equal(allows("2001:db8::9", "2001:db8::a"), false);
  });

  test("inCidr() matches every IPv4 address for 0.0.0.0/0 but no IPv6 one, and everything for ::/0", () => {
    assert.equal(allows("0.0.0.0/0", "255.255.255.255"), true);
    assert.equal(allows("0.0.0.0/0", "0.0.0.0"), true);
    assert.equal(allows("0.0.0.0/0", "2001:db8::1"), false);
    assert.equal(allows("::/0", "2001:db8::1"), true);
    assert.equal(allows("::/0", "10.0.0.1"), true);
  });

  test("inCidr() matches IPv6 block edges", () => {
    assert.equal(allows("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), true);
    assert.equal(allows("2001:db8::/32", "2001:db9::"), false);
    assert.equal(allows("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"), false);
  });

  test("inCidr() matches an IPv4-mapped IPv6 peer against an IPv4 block, and the reverse", () => {
    assert.equal(allows("10.0.0.0/8", "::ffff:10.200.0.1"), true);
    assert.equal(allows("::ffff:10.0.0.0/104", "10.200.0.1"), true);
    assert.equal(allows("10.0.0.0/8", "::ffff:11.0.0.1"), false);
  });

  test("parseCidr() says what is wrong when the block is malformed", () => {
    const message = (t: string) => {
      const p = parseCidr(t);
      return p.ok ? "ok" : p.message;
    };
    assert.equal(message("10.0.0.1/8"), "10.0.0.1/8 has host bits set (10.0.0.0/8?)");
    assert.equal(
      message("2001:db8::1/32"),
      "2001:db8::1/32 has host bits set (2001:db8:0:0:0:0:0:0/32?)",
    );
    assert.equal(message("10.0.0.0/33"), "10.0.0.0/33 has a prefix longer than /32");
    assert.equal(message("::/129"), "::/129 has a prefix longer than /128");
    assert.equal(message("10.0.0.0/"), "10.0.0.0/ is not an IP address or CIDR block");
    assert.equal(message("10.0.0.0/8/8"), "10.0.0.0/8/8 is not an IP address or CIDR block");
    assert.equal(message("example.com/8"), "example.com/8 is not an IP address or CIDR block");
  });
});

describe("clientAddress()", () => {
  const proxies = [cidr("10.0.0.0/8"), cidr("fd00::/8")];

  test("clientAddress() ignores a spoofed X-Forwarded-For when the peer is not a trusted proxy", () => {
    assert.equal(clientAddress("198.51.100.4", "203.0.113.9", proxies), parseIp("198.51.100.4"));
    assert.equal(clientAddress("198.51.100.4", "203.0.113.9", []), parseIp("198.51.100.4"));
  });

  test("clientAddress() takes the right-most untrusted hop when a trusted proxy forwards", () => {
    // The client wrote "1.1.1.1" itself; the proxies appended the real client and each other.
    const got = clientAddress("10.0.0.5", "1.1.1.1, 203.0.113.9, 10.0.0.7", proxies);
    assert.equal(got, parseIp("203.0.113.9"));
  });

  test("clientAddress() honours an IPv6 trusted proxy forwarding for an IPv6 client", () => {
    assert.equal(clientAddress("fd00::1", "2001:db8::42", proxies), parseIp("2001:db8::42"));
  });

  test("clientAddress() returns the peer when a trusted proxy sends no X-Forwarded-For", () => {
    assert.equal(clientAddress("10.0.0.5", undefined, proxies), parseIp("10.0.0.5"));
  });

  test("clientAddress() returns null when the hop it must rely on is not an address or the peer is unknown", () => {
    assert.equal(clientAddress("10.0.0.5", "203.0.113.9, garbage", proxies), null);
    assert.equal(clientAddress(undefined, "203.0.113.9", proxies), null);
  });
});

describe("WEBHOOK_ALLOWED_IPS and TRUSTED_PROXIES", () => {
  test("webhookConfig()'s section throws a ConfigError naming each variable with a malformed block", () => {
    assert.throws(
      () =>
        parseEnv(WebhookEnv, {
          WEBHOOK_ALLOWED_IPS: "10.0.0.0/8, 300.1.1.1",
          TRUSTED_PROXIES: "10.0.0.1/8",
        }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual([...e.variables].sort(), ["TRUSTED_PROXIES", "WEBHOOK_ALLOWED_IPS"]);
        assert.match(e.message, /300\.1\.1\.1 is not an IP address/);
        assert.match(e.message, /10\.0\.0\.1\/8 has host bits set \(10\.0\.0\.0\/8\?\)/);
        return true;
      },
    );
  });
});

describe("createWebhookApp() with an allowlist", () => {
  const config = webhookConfig(parseEnv(WebhookEnv, {
    WEBHOOK_ALLOWED_IPS: "203.0.113.0/24, 2001:db8::/32",
    TRUSTED_PROXIES: "10.0.0.0/8",
  }));
  const forwarded: unknown[] = [];
  const app = createWebhookApp({
    secrets: [SECRET],
    allowedIps: config.allowedIps,
    trustedProxies: config.trustedProxies,
    remoteAddress: (c: Context) => (c.env as { peer?: string } | undefined)?.peer,
    forward: (e) => {
      forwarded.push(e);
      return Promise.resolve({ ok: true, status: "success" });
    },
  });

  /** A body that records whether anyone read it. */
  function watchedBody() {
    const seen = { pulled: false };
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        seen.pulled = true;
        c.enqueue(new TextEncoder().encode("{}"));
        c.close();
      },
    }, { highWaterMark: 0 }); // pulled only when someone reads
    return { body, seen };
  }
  const post = (peer: string | undefined, headers: Record<string, string> = {}) => {
    const { body, seen } = watchedBody();
    const res = app.request("/api/v1/scim/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "x-scim-signature": "sha256=00", ...headers },
      body,
      duplex: "half",
    } as RequestInit, peer === undefined ? undefined : { peer });
    return Promise.resolve(res).then((r) => ({ res: r, seen }));
  };

  test("createWebhookApp() answers 403 without reading the body when the peer is outside the allowlist", async () => {
    const { res, seen } = await post("198.51.100.4");
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { error: "Source address not allowed" });
    assert.equal(seen.pulled, false);
  });

  test("createWebhookApp() answers 403 when a spoofed X-Forwarded-For names an allowed address from an untrusted peer", async () => {
    const { res } = await post("198.51.100.4", { "x-forwarded-for": "203.0.113.9" });
    assert.equal(res.status, 403);
  });

  test("createWebhookApp() answers 403 when the peer is unknown", async () => {
    const { res } = await post(undefined);
    assert.equal(res.status, 403);
  });

  test("createWebhookApp() lets an allowed IPv4, IPv6 or proxied client reach the signature check", async () => {
    for (
      const [peer, xff] of [
        ["203.0.113.255", undefined],
        ["::ffff:203.0.113.1", undefined],
        ["2001:db8:1::5", undefined],
        ["10.1.2.3", "198.51.100.4, 203.0.113.9"],
      ] as const
    ) {
      const { res, seen } = await post(peer, xff ? { "x-forwarded-for": xff } : {});
      assert.equal(res.status, 401, `${peer} ${xff}`);
      assert.equal(seen.pulled, true);
    }
  });

  test("createWebhookApp() stores a signed event from an allowed source", async () => {
    const now = new Date();
    const payload = JSON.stringify({
      id: "evt-allow-1",
      event: "user.deleted",
      resourceType: "User",
      resourceId: "507f1f77bcf86cd799439011",
      timestamp: now.toISOString(),
    });
    const res = await app.request("/api/v1/scim/webhook", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-scim-signature": await signScimBody(SECRET, payload),
      },
      body: payload,
    }, { peer: "203.0.113.7" });
    assert.equal(res.status, 200);
    assert.equal(forwarded.length, 1);
  });

  test("createWebhookApp() throws a TypeError when an allowlist is given without a remoteAddress getter", () => {
    assert.throws(
      () =>
        createWebhookApp({
          secrets: [SECRET],
          allowedIps: config.allowedIps,
          forward: () => Promise.resolve({ ok: true, status: "success" }),
        }),
      TypeError,
    );
  });
});

// requestToken() against a real, independent OAuth 2.0 authorization server:
// panva's oidc-provider (npm, OpenID-certified), with one client registered
// per method. Its client authentication decodes Basic credentials the RFC 6749
// §2.3.1 way (form-urlencoded, `+` as space), so a secret with `:`, `%`, `+`,
// `/` and a space only passes when our encoding is right. It is a devDependency.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AddressInfo } from "node:net";
import { requestToken } from "../../../runner/scim/token-request.ts";

// VSCHAR only (RFC 6749 Appendix A.2): the server refuses non-ASCII secrets, as it should.
const clients = [
  { id: "basic-client", secret: "s3cr:et%+ value/basic", method: "client_secret_basic" },
  { id: "post-client", secret: "s3cr:et%+ value/post", method: "client_secret_post" },
] as const;

type Provider = { listen(port: number): import("node:http").Server };
const ProviderClass: new (issuer: string, config: object) => Provider =
  (await import("oidc-provider" as string)).default;

let server: import("node:http").Server | undefined;
let tokenUrl = "";

beforeAll(async () => {
  const provider = new ProviderClass("http://127.0.0.1", {
    clients: clients.map((c) => ({
      client_id: c.id,
      client_secret: c.secret,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: c.method,
      scope: "scim.read",
    })),
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    scopes: ["scim.read"],
  });
  server = provider.listen(0);
  await new Promise((r) => server!.once("listening", r));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(() => server?.close());

describe("requestToken() against oidc-provider", () => {
  for (const c of clients) {
    test(`requestToken() gets a scoped token with ${c.method} when the secret needs form-encoding`, async () => {
      const granted = await requestToken({ tokenUrl, timeoutMs: 5000 }, {
        clientId: c.id,
        clientSecret: c.secret,
        method: c.method,
        scope: "scim.read",
      });
      expect(granted.access_token.length).toBeGreaterThan(20);
      expect(granted.scope).toBe("scim.read");
    });
  }

  test("requestToken() reports the server's invalid_client without the secret when the secret is wrong", async () => {
    const e = await requestToken({ tokenUrl, timeoutMs: 5000 }, {
      clientId: "basic-client",
      clientSecret: "wrong-secret-value",
      method: "client_secret_basic",
    }).then(() => null, (err: Error) => err);
    expect(e?.message).toMatch(/^Failed to get access token: HTTP 401 \(/);
    expect(e?.message).not.toContain("wrong-secret");
  });
});

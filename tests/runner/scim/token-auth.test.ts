// Token endpoint client authentication (SCIM_TOKEN_AUTH) against the real
// development SSO on a real port, configured to accept one method at a time,
// and the encoding of RFC 6749 §2.3.1 on its own.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../../runner/config.ts";
import {
  basicAuthorization,
  formEncode,
  tokenRequestParts,
} from "../../../runner/scim/token-auth.ts";
import { requestToken } from "../../../runner/scim/token-request.ts";
import { readClientCredentials } from "../../../dev/sso/auth.ts";
import { type RunningSso, startDevSso } from "../../../dev/sso/server.ts";
import { AccessTokenError, ConfigError } from "../../../shared/errors.ts";

// `:`, `%`, `+`, space and non-ASCII: what breaks a Basic header that skips form-encoding.
const SECRET = "s3cr:et%+ sécret/value";
const CLIENT = "client id:1";
const servers: Record<"post" | "basic" | "both", RunningSso> = {} as never;

beforeAll(async () => {
  for (const accept of ["post", "basic", "both"] as const) {
    servers[accept] = await startDevSso({
      clientId: CLIENT,
      clientSecret: SECRET,
      tokenAuth: accept,
      rateLimitPerMinute: 0,
      ...(accept === "both" ? { tokenScope: "scim.read", tokenAudience: "https://ofm" } : {}),
    });
  }
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s.stop();
});

const ask = (
  accept: keyof typeof servers,
  client: {
    method: "client_secret_post" | "client_secret_basic";
    scope?: string;
    audience?: string;
  },
) =>
  requestToken(
    { tokenUrl: `${servers[accept].url}/scim/v2/token`, timeoutMs: 5000 },
    { clientId: CLIENT, clientSecret: SECRET, ...client },
  );

async function refusal(p: Promise<unknown>): Promise<AccessTokenError> {
  const e = await p.then(() => null, (err) => err);
  expect(e).toBeInstanceOf(AccessTokenError);
  return e as AccessTokenError;
}

describe("requestToken() against the development SSO", () => {
  test("requestToken() gets a token with client_secret_post when the server accepts only post", async () => {
    const granted = await ask("post", { method: "client_secret_post" });
    expect(granted.access_token.length).toBeGreaterThan(10);
    expect(servers.post.sso.tokens.verify(`Bearer ${granted.access_token}`).ok).toBe(true);
  });

  test("requestToken() gets a token with client_secret_basic when the server accepts only basic", async () => {
    const granted = await ask("basic", { method: "client_secret_basic" });
    expect(servers.basic.sso.tokens.verify(`Bearer ${granted.access_token}`).ok).toBe(true);
  });

  test("requestToken() fails with HTTP 401 (invalid_client) and no secret when the server accepts only basic and the client posts", async () => {
    const e = await refusal(ask("basic", { method: "client_secret_post" }));
    expect(e.message).toBe("Failed to get access token: HTTP 401 (invalid_client)");
    expect(e.code).toBe("TOKEN_FAILED");
    expect(e.message).not.toContain("s3cr");
  });

  test("requestToken() fails with HTTP 401 (invalid_client) and no secret when the server accepts only post and the client uses basic", async () => {
    const e = await refusal(ask("post", { method: "client_secret_basic" }));
    expect(e.message).toBe("Failed to get access token: HTTP 401 (invalid_client)");
    expect(JSON.stringify({ ...e, m: e.message })).not.toContain("s3cr");
  });

  test("requestToken() sends scope and audience, which the server checks and echoes, with either method", async () => {
    for (const method of ["client_secret_post", "client_secret_basic"] as const) {
      const granted = await ask("both", { method, scope: "scim.read", audience: "https://ofm" });
      expect(granted).toMatchObject({ scope: "scim.read", audience: "https://ofm" });
    }
  });

  test("requestToken() reports invalid_scope when the server requires a scope the client does not send", async () => {
    const e = await refusal(
      ask("both", { method: "client_secret_basic", audience: "https://ofm" }),
    );
    expect(e.message).toBe("Failed to get access token: HTTP 400 (scope scim.read required)");
  });
});

describe("tokenRequestParts()", () => {
  test("tokenRequestParts() puts the credentials only in the Basic header when the method is client_secret_basic", () => {
    const { body, headers } = tokenRequestParts({
      clientId: CLIENT,
      clientSecret: SECRET,
      method: "client_secret_basic",
    });
    expect(body.toString()).toBe("grant_type=client_credentials");
    expect(headers.Authorization).toBe(basicAuthorization(CLIENT, SECRET));
  });

  test("tokenRequestParts() posts the credentials in the form, without a Basic header, by default", () => {
    const { body, headers } = tokenRequestParts({
      clientId: "id",
      clientSecret: "s",
      scope: "a b",
    });
    expect(body.toString()).toBe(
      "grant_type=client_credentials&client_id=id&client_secret=s&scope=a+b",
    );
    expect(headers.Authorization).toBeUndefined();
  });

  test("basicAuthorization() form-urlencodes id and secret before base64, so a server decodes them back", () => {
    const header = basicAuthorization(CLIENT, SECRET);
    expect(atob(header.slice(6))).toBe(`${formEncode(CLIENT)}:${formEncode(SECRET)}`);
    expect(atob(header.slice(6))).toBe("client+id%3A1:s3cr%3Aet%25%2B+s%C3%A9cret%2Fvalue");
    expect(readClientCredentials(header, {})).toEqual({ clientId: CLIENT, clientSecret: SECRET });
  });
});

describe("loadConfig() token auth", () => {
  const base = { SCIM_CLIENT_ID: "id", SCIM_CLIENT_SECRET: "secret" };

  test("loadConfig() keeps client_secret_post and no scope or audience when SCIM_TOKEN_* are unset", () => {
    expect(loadConfig(base).auth).toEqual({
      kind: "client_credentials",
      clientId: "id",
      clientSecret: "secret",
      method: "client_secret_post",
    });
  });

  test("loadConfig() reads SCIM_TOKEN_AUTH, SCIM_TOKEN_SCOPE and SCIM_TOKEN_AUDIENCE when set", () => {
    const auth = loadConfig({
      ...base,
      SCIM_TOKEN_AUTH: "client_secret_basic",
      SCIM_TOKEN_SCOPE: "scim.read scim.write",
      SCIM_TOKEN_AUDIENCE: "https://ofm.example",
    }).auth;
    expect(auth).toMatchObject({
      method: "client_secret_basic",
      scope: "scim.read scim.write",
      audience: "https://ofm.example",
    });
  });

  test("loadConfig() throws a ConfigError naming SCIM_TOKEN_AUTH when it is not a known method", () => {
    const e = (() => {
      try {
        loadConfig({ ...base, SCIM_TOKEN_AUTH: "private_key_jwt" });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).variables).toContain("SCIM_TOKEN_AUTH");
  });
});

// Token lifetimes against a tiny real token server (Bun.serve on a free port,
// real HTTP): an `expires_in` that is absent, 0, negative, null or not a
// number gives the documented default lifetime (DEFAULT_TOKEN_LIFETIME_SECONDS)
// instead of failing the run, a token the server stops accepting is fetched
// again on the first 401, and a token answer without a usable token says what
// was wrong with it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { createRateLimiter } from "../../../runner/scim/rate-limiter.ts";
import { createScimClient } from "../../../runner/scim/scim-client.ts";
import {
  createTokenProvider,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
} from "../../../runner/scim/token-provider.ts";

/** What the token endpoint answers next, and the tokens the SCIM endpoint accepts. */
const world = {
  answer: (n: number): Response => Response.json({ access_token: `tok-${n}`, expires_in: 3600 }),
  issued: 0,
  accepted: new Set<string>(),
};
let server: Server<unknown>;
let base = "";

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/token" && req.method === "POST") {
        const n = ++world.issued;
        world.accepted.add(`tok-${n}`);
        return world.answer(n);
      }
      const token = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      if (!world.accepted.has(token)) {
        return Response.json({ schemas: [], status: "401", detail: "token expired" }, {
          status: 401,
        });
      }
      return Response.json({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        filter: { supported: true, maxResults: 200 },
      });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

const AUTH = { kind: "client_credentials" as const, clientId: "c", clientSecret: "s" };

function provider(now: () => number = Date.now) {
  return createTokenProvider({ auth: AUTH, tokenUrl: `${base}/token`, timeoutMs: 5000, now });
}

function answerWith(body: unknown, init?: ResponseInit) {
  world.answer = (n) =>
    typeof body === "string"
      ? new Response(body, init)
      : Response.json({ access_token: `tok-${n}`, ...(body as object) }, init);
}

describe("token lifetimes", () => {
  const unusable: [string, unknown][] = [
    ["absent", {}],
    ["0", { expires_in: 0 }],
    ["negative", { expires_in: -60 }],
    ["null", { expires_in: null }],
    ["not a number", { expires_in: "soon" }],
  ];
  for (const [what, body] of unusable) {
    test(`get() keeps the token for the default lifetime when expires_in is ${what}`, async () => {
      answerWith(body);
      let now = 1_000_000;
      const tokens = provider(() => now);
      const before = world.issued;
      const first = await tokens.get();
      expect(first).toBe(`tok-${before + 1}`);
      // Just before the default lifetime (less the 30 s margin) the cached token is used…
      now += DEFAULT_TOKEN_LIFETIME_SECONDS * 1000 - 30_000 - 1;
      expect(await tokens.get()).toBe(first);
      expect(world.issued).toBe(before + 1);
      // …and at it, a new one is fetched.
      now += 1;
      expect(await tokens.get()).toBe(`tok-${before + 2}`);
    });
  }

  test("get() reads a numeric string expires_in as seconds", async () => {
    answerWith({ expires_in: "120" });
    let now = 0;
    const tokens = provider(() => now);
    const before = world.issued;
    await tokens.get();
    now += 89_999;
    await tokens.get();
    expect(world.issued).toBe(before + 1);
    now += 1;
    await tokens.get();
    expect(world.issued).toBe(before + 2);
  });

  test("a SCIM request refetches the token once on a 401 when the server stopped accepting a default-lifetime token", async () => {
    answerWith({ expires_in: 0 });
    const client = createScimClient({
      baseUrl: `${base}/scim/v2`,
      tokens: provider(),
      limiter: createRateLimiter({ perMinute: 10_000 }),
      timeoutMs: 5000,
      maxRetries: 2,
    });
    await client.serviceProviderConfig();
    const before = world.issued;
    // The server ends the token long before the default hour is over.
    world.accepted.clear();
    const config = await client.serviceProviderConfig();
    expect(config.filter?.supported).toBe(true);
    expect(world.issued).toBe(before + 1);
  });
});

describe("token errors say what was wrong", () => {
  const cases: [string, () => void, RegExp][] = [
    [
      "an HTML page",
      () => answerWith("<html>login</html>", { headers: { "Content-Type": "text/html" } }),
      /the token response is not JSON \(text\/html, 18 characters\); is SCIM_TOKEN_URL the token endpoint\?/,
    ],
    [
      "no access_token",
      () => world.answer = () => Response.json({ token: "x", expires_in: 0 }),
      /the token response has no access_token \(its fields: token, expires_in\)/,
    ],
    [
      "a numeric access_token",
      () => world.answer = () => Response.json({ access_token: 42 }),
      /the token response's access_token is a number, not a string/,
    ],
    [
      "an empty access_token",
      () => world.answer = () => Response.json({ access_token: "" }),
      /the token response's access_token is empty/,
    ],
    [
      "a JSON array",
      () => world.answer = () => Response.json([{ access_token: "x" }]),
      /the token response is not a JSON object/,
    ],
  ];
  for (const [what, arrange, message] of cases) {
    test(`get() fails with TOKEN_FAILED naming the problem when the answer is ${what}`, async () => {
      arrange();
      const e = await provider().get().then(() => null, (err: Error & { code?: string }) => err);
      expect(e?.code).toBe("TOKEN_FAILED");
      expect(e?.message).toMatch(/^Failed to get access token: HTTP 200 \(/);
      expect(e?.message).toMatch(message);
    });
  }
});

// The SCIM client against a scripted HTTP server (real sockets): each test
// makes the server answer one way and checks what the client does about it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AccessTokenError, ConnectionFailedError, ScimHttpError } from "../../../shared/errors.ts";
import { createRateLimiter } from "../../../runner/scim/rate-limiter.ts";
import { createScimClient } from "../../../runner/scim/scim-client.ts";
import { createTokenProvider } from "../../../runner/scim/token-provider.ts";

type Handler = (req: Request, url: URL) => Response | Promise<Response>;
let handler: Handler = () => new Response("unset", { status: 500 });
const seen: { path: string; auth: string | null; query: string }[] = [];
let server: ReturnType<typeof Bun.serve>;
let base = "";

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      seen.push({ path: url.pathname, auth: req.headers.get("authorization"), query: url.search });
      return handler(req, url);
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

/**
 * Time for the client's waits: `sleep` moves `now` on and notes the wait, so a test
 * measures what the client waited without waiting (the limiter's pacing, 10,000 a
 * minute, waits 6.06 ms between requests; its clock is this one too).
 */
function fakeClock() {
  const clock = {
    now: 0,
    waits: [] as number[],
    sleep: async (ms: number) => {
      clock.waits.push(ms);
      clock.now += ms;
    },
  };
  return clock;
}

function client(
  opts: {
    auth?: "cc" | "bearer";
    maxRetries?: number;
    secret?: string;
    time?: ReturnType<typeof fakeClock>;
  } = {},
) {
  seen.length = 0;
  const time = opts.time ?? fakeClock();
  const tokens = createTokenProvider({
    auth: opts.auth === "bearer" ? { kind: "bearer", token: "static-tok" } : {
      kind: "client_credentials",
      clientId: "id",
      clientSecret: opts.secret ?? "top-secret-value",
    },
    tokenUrl: `${base}/token`,
    timeoutMs: 1000,
  });
  return createScimClient({
    baseUrl: `${base}/scim/v2`,
    tokens,
    limiter: createRateLimiter({ perMinute: 10_000, now: () => time.now, sleep: time.sleep }),
    timeoutMs: 500,
    maxRetries: opts.maxRetries ?? 3,
    sleep: time.sleep,
  });
}

const list = (all: unknown[], url: URL, cap = 2) => {
  const start = Number(url.searchParams.get("startIndex") ?? 1);
  const count = Math.min(Number(url.searchParams.get("count")), cap);
  const page = all.slice(start - 1, start - 1 + count);
  return Response.json({
    totalResults: all.length,
    startIndex: start,
    itemsPerPage: page.length,
    Resources: page,
  });
};
const token = () =>
  Response.json({ access_token: "tok-1", token_type: "Bearer", expires_in: 3600 });

describe("ScimClient.pages()", () => {
  test("pages() advances by what the server returned when it caps the page size", async () => {
    const users = Array.from({ length: 5 }, (_, i) => ({ id: `u${i}` }));
    handler = (_r, url) => url.pathname === "/token" ? token() : list(users, url, 2);
    const got: string[] = [];
    for await (const p of client().pages("Users", { count: 1000 })) {
      got.push(...p.resources.map((r) => (r as { id: string }).id));
    }
    expect(got).toEqual(["u0", "u1", "u2", "u3", "u4"]);
    const starts = seen.filter((s) => s.path.endsWith("/Users")).map((s) =>
      new URLSearchParams(s.query).get("startIndex")
    );
    // The page at 5 held 1 where the server serves 2 and completed the announced 5: the end,
    // with nothing asked past it (listing-proof.ts).
    expect(starts).toEqual(["1", "3", "5"]);
  });

  test("pages() stops on an empty page even when totalResults promises more", async () => {
    handler = (_r, url) =>
      url.pathname === "/token" ? token() : Response.json({
        totalResults: 10,
        Resources: url.searchParams.get("startIndex") === "1" ? [{ id: "a" }] : [],
      });
    let n = 0;
    for await (const p of client().pages("Users", { count: 5 })) n += p.resources.length;
    expect(n).toBe(1);
  });

  test("pages() reads `Resources: null` as an empty page and proves an empty listing", async () => {
    handler = (_r, url) =>
      url.pathname === "/token"
        ? token()
        : Response.json({ totalResults: 0, itemsPerPage: 100, startIndex: 1, Resources: null });
    const it = client().pages("Groups", { count: 100 });
    let n = 0;
    for (;;) {
      const step = await it.next();
      if (step.done) {
        expect(step.value).toMatchObject({ complete: true, distinct: 0, pages: 1 });
        break;
      }
      n += step.value.resources.length;
    }
    expect(n).toBe(0);
  });

  test("pages() follows RFC 9865 cursors when asked to", async () => {
    handler = (_r, url) => {
      if (url.pathname === "/token") return token();
      const c = url.searchParams.get("cursor");
      return c === ""
        ? Response.json({ totalResults: 2, Resources: [{ id: "a" }], nextCursor: "n1" })
        : Response.json({ totalResults: 2, Resources: [{ id: "b" }] });
    };
    const ids: string[] = [];
    for await (const p of client().pages("Users", { count: 1, cursor: true })) {
      ids.push(...p.resources.map((r) => (r as { id: string }).id));
    }
    expect(ids).toEqual(["a", "b"]);
  });

  test("pages() passes the SCIM filter through", async () => {
    handler = (_r, url) =>
      url.pathname === "/token" ? token() : Response.json({ totalResults: 0, Resources: [] });
    for await (
      const _ of client().pages("Users", { count: 10, filter: 'userName eq "a@x"' })
    ) { /* drain */ }
    expect(new URLSearchParams(seen.at(-1)?.query).get("filter")).toBe('userName eq "a@x"');
  });
});

describe("ScimClient.get()", () => {
  test("get() retries 5xx and succeeds, keeping the token", async () => {
    let n = 0;
    handler = (_r, url) =>
      url.pathname === "/token"
        ? token()
        : ++n < 3
        ? new Response("x", { status: 503 })
        : Response.json({ ok: 1 });
    expect(await client().get("/Users")).toEqual({ ok: 1 });
    expect(seen.filter((s) => s.path === "/token").length).toBe(1);
  });

  test("get() honours a 429's Retry-After, the wait measured on a fake clock, and then succeeds", async () => {
    const time = fakeClock();
    const at: number[] = [];
    handler = (_r, url) => {
      if (url.pathname === "/token") return token();
      at.push(time.now);
      return at.length === 1
        ? new Response("slow down", { status: 429, headers: { "Retry-After": "3" } })
        : Response.json({ ok: 2 });
    };
    expect(await client({ time }).get("/Users")).toEqual({ ok: 2 });
    // The second request went out exactly the 3 s the server asked for after the first (the
    // first went one pacing interval after start: 6.06 ms at 10,000 a minute).
    expect(at).toHaveLength(2);
    expect(at[0]).toBeLessThanOrEqual(7);
    expect(at[1]! - at[0]!).toBe(3_000);
    expect(time.waits.filter((ms) => ms >= 100)).toEqual([3_000]);
  });

  test("get() waits the whole Retry-After the SSO names, up to two minutes", async () => {
    const time = fakeClock();
    const at: number[] = [];
    handler = (_r, url) => {
      if (url.pathname === "/token") return token();
      at.push(time.now);
      return at.length === 1
        ? new Response("slow down", { status: 429, headers: { "Retry-After": "90" } })
        : Response.json({ ok: 3 });
    };
    expect(await client({ time }).get("/Users")).toEqual({ ok: 3 });
    expect(at[1]! - at[0]!).toBe(90_000);
  });

  test("get() never waits past two minutes: a 429 asking for more fails at once, naming its Retry-After", async () => {
    const time = fakeClock();
    const at: number[] = [];
    handler = (_r, url) => {
      if (url.pathname === "/token") return token();
      at.push(time.now);
      return new Response("slow down", { status: 429, headers: { "Retry-After": "3600" } });
    };
    const err: any = await client({ time }).get("/Users").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScimHttpError);
    expect(err.status).toBe(429);
    expect(err.message).toContain("asks to wait 3600 s (Retry-After)");
    // One request, no retry, and no wait beyond the pacing's first interval.
    expect(at).toHaveLength(1);
    expect(time.waits.filter((ms) => ms >= 100)).toEqual([]);
  });

  test("get() fetches a new token once on 401, then gives up with the SCIM detail", async () => {
    handler = (_r, url) =>
      url.pathname === "/token" ? token() : Response.json({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
        status: "401",
        detail: "token revoked",
      }, { status: 401 });
    const err: any = await client().get("/Users").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScimHttpError);
    expect(err.status).toBe(401);
    expect(err.message).toContain("token revoked");
    expect(seen.filter((s) => s.path === "/token").length).toBe(2);
  });

  test("get() fails without retry on 400 with the server's detail", async () => {
    handler = (_r, url) =>
      url.pathname === "/token"
        ? token()
        : Response.json({ status: "400", scimType: "invalidFilter", detail: "bad filter" }, {
          status: 400,
        });
    const err: any = await client().get("/Users").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScimHttpError);
    expect(err.scimType).toBe("invalidFilter");
    expect(seen.filter((s) => s.path.endsWith("/Users")).length).toBe(1);
  });

  test("get() retries a body that is not JSON, then reports it", async () => {
    handler = (_r, url) =>
      url.pathname === "/token" ? token() : new Response("{not json", { status: 200 });
    const err: any = await client({ maxRetries: 1 }).get("/Users").catch((e: unknown) => e);
    expect(err.code).toBe("SCIM_RESPONSE_INVALID");
    expect(seen.filter((s) => s.path.endsWith("/Users")).length).toBe(2);
  });

  test("get() times out a hanging server and reports Connection Failed", async () => {
    handler = (_r, url) =>
      url.pathname === "/token"
        ? token()
        : new Promise((r) => setTimeout(() => r(Response.json({})), 2000));
    const err: any = await client({ maxRetries: 0 }).get("/Users").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionFailedError);
    expect(err.message).toContain("Connection Failed");
  });

  test("get() reports Connection Failed when nothing listens", async () => {
    const tokens = createTokenProvider({
      auth: { kind: "bearer", token: "t" },
      tokenUrl: "",
      timeoutMs: 500,
    });
    const c = createScimClient({
      baseUrl: "http://127.0.0.1:9",
      tokens,
      limiter: createRateLimiter({ perMinute: 100 }),
      timeoutMs: 500,
      maxRetries: 1,
      sleep: async () => {},
    });
    const err: any = await c.get("/Users").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionFailedError);
  });

  test("get() sends a static bearer token as is and never calls a token endpoint", async () => {
    handler = () => Response.json({ ok: 3 });
    await client({ auth: "bearer" }).get("/Users");
    expect(seen.map((s) => s.auth)).toEqual(["Bearer static-tok"]);
  });
});

describe("TokenProvider", () => {
  test("get() says Failed to get access token with the status and never the secret", async () => {
    handler = () => Response.json({ error: "invalid_client" }, { status: 401 });
    const err: any = await client({ secret: "s3cr3t-do-not-log" }).get("/Users").catch((
      e: unknown,
    ) => e);
    expect(err).toBeInstanceOf(AccessTokenError);
    expect(err.message).toBe("Failed to get access token: HTTP 401 (invalid_client)");
    expect(JSON.stringify({ m: err.message, s: err.stack })).not.toContain("s3cr3t-do-not-log");
  });

  test("get() posts client credentials form-encoded as the guide's curl does", async () => {
    let body = "";
    let type = "";
    handler = async (req, url) => {
      if (url.pathname === "/token") {
        body = await req.text();
        type = req.headers.get("content-type") ?? "";
        return token();
      }
      return Response.json({});
    };
    await client().get("/Users");
    expect(type).toContain("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
      grant_type: "client_credentials",
      client_id: "id",
      client_secret: "top-secret-value",
    });
  });
});

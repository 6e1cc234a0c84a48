/**
 * A proxy in front of a server that holds the first request matching a rule until the
 * test lets it go: a runner process is then mid-sync for exactly as long as the test
 * needs, and the test awaits the request's arrival instead of guessing a delay.
 *
 * @module
 */

/** What {@linkcode holdProxy} returns. */
export interface HoldProxy {
  /** `http://127.0.0.1:PORT`: give it to the runner in place of the server's URL. */
  url: string;
  /** Resolves when the held request has arrived (and is being held). */
  arrived: Promise<void>;
  /** Resolves once the first answer matching `watch` is read, before it is passed on. */
  answered: Promise<void>;
  /** Lets the held request (and any later one) through. */
  release(): void;
  stop(): void;
}

/**
 * Starts the proxy.
 *
 * @example
 * ```ts
 * const front = holdProxy(sso.url, (u) => u.pathname.endsWith("/Users") && u.searchParams.get("startIndex") !== "1");
 * const r = await startRunner({ ...sso.env, SSO_BASE_URL: front.url });
 * await front.arrived; // r is mid-sync now
 * front.release();
 * ```
 */
export function holdProxy(
  target: string,
  hold: (url: URL) => boolean,
  watch: (url: URL, body: string) => boolean = () => false,
): HoldProxy {
  let answer: () => void = () => {};
  const answered = new Promise<void>((r) => (answer = r));
  let arrive: () => void = () => {};
  const arrived = new Promise<void>((r) => (arrive = r));
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  let holding = false;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (!holding && hold(url)) {
        holding = true;
        arrive();
        await released;
      }
      const body = req.method === "GET" || req.method === "HEAD"
        ? undefined
        : await req.arrayBuffer();
      const res = await fetch(`${target}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body,
        redirect: "manual",
      });
      // Passed on as bytes: fetch has already decoded any compression.
      const headers = new Headers(res.headers);
      headers.delete("content-encoding");
      headers.delete("content-length");
      const bytes = await res.arrayBuffer();
      if (watch(url, new TextDecoder().decode(bytes))) answer();
      return new Response(bytes, { status: res.status, headers });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    arrived,
    answered,
    release,
    stop: () => void server.stop(true),
  };
}

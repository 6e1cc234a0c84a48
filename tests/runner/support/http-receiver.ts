/**
 * A real HTTP receiver on a free loopback port (Bun.serve): records every
 * request (headers and exact body) and answers what the test says — for the
 * notification webhook, as a Slack incoming webhook or an event consumer.
 *
 * @module
 */

/** One request as received. */
export interface Received {
  headers: Record<string, string>;
  body: string;
}

/** The running receiver. */
export interface Receiver {
  url: string;
  requests: Received[];
  /** What the next requests are answered (200 by default; "hang" never answers). */
  answer: number | "hang";
  /** Resolves when `n` requests have arrived. */
  received(n: number, timeoutMs?: number): Promise<Received[]>;
  stop(): Promise<void>;
}

/**
 * Starts a receiver.
 *
 * @example
 * ```ts
 * const hook = startReceiver();
 * const [req] = await hook.received(1);
 * ```
 */
export function startReceiver(): Receiver {
  const requests: Received[] = [];
  const waiters: (() => void)[] = [];
  const r: Receiver = {
    url: "",
    requests,
    answer: 200,
    async received(n, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (requests.length < n) {
        if (Date.now() > end) {
          throw new Error(`${requests.length} of ${n} requests in ${timeoutMs} ms`);
        }
        await Promise.race([new Promise<void>((w) => waiters.push(w)), Bun.sleep(250)]);
      }
      return requests.slice(0, n);
    },
    stop: async () => {},
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = await req.text();
      requests.push({ headers: Object.fromEntries(req.headers), body });
      for (const w of waiters.splice(0)) w();
      if (r.answer === "hang") return new Promise<Response>(() => {});
      return new Response(r.answer === 200 ? "ok" : "no", { status: r.answer });
    },
  });
  r.url = `http://127.0.0.1:${server.port}/hook`;
  r.stop = async () => void server.stop(true);
  return r;
}
